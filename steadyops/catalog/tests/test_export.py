"""Exporting the catalog as Backstage files, and importing the export back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steadyops.accounts.models import Team
from steadyops.catalog import services
from steadyops.catalog.backstage import CatalogError, read_catalog
from steadyops.catalog.exporter import export_catalog
from steadyops.catalog.importer import import_catalog
from steadyops.catalog.models import Dependency, Service
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

SHOP = Path(__file__).parent / "fixtures" / "backstage" / "shop"

pytestmark = pytest.mark.django_db


def test_it_writes_every_live_entry_in_one_file(shop: Shop, tmp_path: Path) -> None:
    admin = Actor.cli(shop.personas.admin)
    old = services.create_service(actor=admin, name="Old", owner=shop.personas.team_a)
    services.archive_service(actor=admin, service=old)

    written = export_catalog(tmp_path)

    assert written == tmp_path / "catalog-info.yaml"
    catalog = read_catalog(written)
    assert sorted(str(entity.ref) for entity in catalog.entities) == [
        "component:default/checkout",
        "component:default/web",
        "group:default/checkout",
        "group:default/platform",
        "resource:default/shop-db",
        "system:default/storefront",
    ]
    web = catalog.by_ref()[("component", "default", "web")]
    assert web.title == "Web"
    assert web.spec == {
        "type": "website",
        "lifecycle": "production",
        "owner": "platform",
        "system": "storefront",
        "dependsOn": ["component:checkout"],
    }
    assert web.annotations == {"steadyops.io/tier": "1"}
    checkout = catalog.by_ref()[("component", "default", "checkout")]
    assert checkout.spec["dependsOn"] == ["resource:shop-db"]
    assert catalog.by_ref()[("resource", "default", "shop-db")].spec == {"type": "database", "owner": "platform"}


def test_it_keeps_soft_dependencies_annotations_and_the_manual(shop: Shop, tmp_path: Path) -> None:
    Service.objects.filter(pk=shop.web.pk).update(
        manual_location="dir:./docs", annotations={"pagerduty.com/service-id": "P1"}
    )
    Dependency.objects.filter(source_service=shop.web).update(hard=False)

    catalog = read_catalog(export_catalog(tmp_path))

    web = catalog.by_ref()[("component", "default", "web")]
    assert web.annotations == {
        "backstage.io/techdocs-ref": "dir:./docs",
        "pagerduty.com/service-id": "P1",
        "steadyops.io/dependency-soft": "component:checkout",
        "steadyops.io/tier": "1",
    }


def test_it_round_trips_without_changes(shop: Shop, tmp_path: Path) -> None:
    admin = Actor.cli(shop.personas.admin)
    Dependency.objects.filter(source_service=shop.web).update(hard=False)
    Service.objects.filter(pk=shop.web.pk).update(manual_location="dir:.", tags=["python"])
    export_catalog(tmp_path)
    audit_before = AuditEntry.objects.count()

    report = import_catalog(actor=admin, path=tmp_path)

    assert (report.created, report.updated, report.missing) == (0, 0, [])
    assert report.unchanged == 2 + 1 + 2 + 1 + 2
    assert AuditEntry.objects.count() == audit_before


def test_it_round_trips_an_imported_catalog(personas: Personas, tmp_path: Path) -> None:
    Team.objects.create(slug="payments", name="Payments")
    admin = Actor.cli(personas.admin)
    shutil.copytree(SHOP, tmp_path / "shop")
    import_catalog(actor=admin, path=tmp_path / "shop")
    first = export_catalog(tmp_path / "out").read_text()

    report = import_catalog(actor=admin, path=tmp_path / "out")

    assert (report.created, report.updated) == (0, 0)
    assert export_catalog(tmp_path / "again").read_text() == first


def test_it_refuses_a_system_without_an_owner_and_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    services.create_system(actor=Actor.cli(personas.admin), name="Loose")

    with pytest.raises(CatalogError) as caught:
        export_catalog(tmp_path)

    assert [str(problem) for problem in caught.value.problems] == [
        "System loose: has no owning team; Backstage needs one: give it an owner first"
    ]
    assert not (tmp_path / "catalog-info.yaml").exists()


def test_it_exports_an_empty_catalog(db: None, tmp_path: Path) -> None:
    assert export_catalog(tmp_path).read_text() == ""
