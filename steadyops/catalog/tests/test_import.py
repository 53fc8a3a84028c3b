"""Applying a Backstage catalog to the database: mapping, idempotence, updates, missing, dry run, atomicity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from steadyops.accounts.models import Team
from steadyops.catalog.backstage import CatalogError
from steadyops.catalog.importer import import_catalog
from steadyops.catalog.models import Dependency, Lifecycle, Resource, ResourceKind, Service, System
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

SHOP = Path(__file__).parent / "fixtures" / "backstage" / "shop"

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_dir(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


@pytest.fixture
def admin(personas: Personas) -> Actor:
    Team.objects.create(slug="payments", name="Payments")
    return Actor.cli(personas.admin)


def counts() -> tuple[int, ...]:
    return (
        Team.objects.count(),
        System.objects.count(),
        Service.objects.count(),
        Resource.objects.count(),
        Dependency.objects.count(),
        AuditEntry.objects.count(),
    )


def edges() -> set[tuple[str, str, bool]]:
    return {(d.source.slug, d.target.slug, d.hard) for d in Dependency.objects.all()}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def component(name: str, *, owner: str = "platform", extra: str = "", spec: str = "") -> str:
    return (
        f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n{extra}"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n{spec}"
    )


def test_it_imports_a_multi_file_catalog_through_locations(admin: Actor, shop_dir: Path) -> None:
    report = import_catalog(actor=admin, path=shop_dir)

    assert set(System.objects.values_list("slug", flat=True)) == {"checkout", "payments", "search-search"}
    assert set(Service.objects.values_list("slug", flat=True)) == {
        "storefront",
        "checkout-api",
        "payments-api",
        "search-search-api",
    }
    assert set(Resource.objects.values_list("slug", "kind")) == {
        ("shop-db", ResourceKind.DATABASE),
        ("payment-vendor", ResourceKind.VENDOR),
    }
    assert edges() == {
        ("storefront", "checkout-api", True),
        ("storefront", "search-search-api", True),
        ("checkout-api", "shop-db", True),
        ("checkout-api", "payments-api", True),
        ("payments-api", "payment-vendor", True),
        ("payments-api", "shop-db", True),
        ("search-search-api", "shop-db", True),
    }
    storefront = Service.objects.get(slug="storefront")
    assert storefront.name == "Storefront"
    assert storefront.description == "The website customers shop on."
    assert storefront.owner.slug == "checkout"
    assert storefront.system is not None
    assert storefront.system.slug == "checkout"
    assert storefront.user_facing is True
    assert storefront.tier == 3
    assert storefront.lifecycle == Lifecycle.PRODUCTION
    assert storefront.tags == ["python", "website"]
    assert storefront.links == [{"title": "The shop", "url": "https://shop.example.com"}]
    assert storefront.manual_location == "dir:./docs/storefront"
    assert storefront.annotations == {"pagerduty.com/service-id": "PSTORE1"}
    assert storefront.import_source == str(shop_dir.resolve())
    assert Service.objects.get(slug="checkout-api").user_facing is False
    assert (report.created, report.updated, report.unchanged, report.missing) == (16, 0, 3, [])
    assert report.skipped == {"API": 1, "Domain": 1, "other documents": 2}
    assert (report.people_matched, report.people_unknown) == (0, 1)


def test_it_writes_one_audit_entry_per_created_object(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)

    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert sorted(set(actions)) == ["dependency.add", "resource.create", "service.create", "system.create"]
    assert len(actions) == 3 + 4 + 2 + 7
    entry = AuditEntry.objects.get(action="service.create", object_repr="Storefront")
    assert entry.actor == admin.user
    assert entry.actor_label == "admin (via cli)"
    assert entry.after is not None
    assert entry.after["manual_location"] == "dir:./docs/storefront"
    assert entry.object_id == str(Service.objects.get(slug="storefront").pk)


def test_it_changes_nothing_on_a_second_import(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)
    before = counts()

    report = import_catalog(actor=admin, path=shop_dir)

    assert counts() == before
    assert (report.created, report.updated, report.unchanged, report.missing) == (0, 0, 19, [])
    assert report.changes == []


def test_it_detects_and_audits_updates(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)
    payments = shop_dir / "systems" / "payments.yaml"
    text = payments.read_text().replace(
        "  name: payments-api\nspec:",
        "  name: payments-api\n  title: Payments API\n  annotations:\n    steadyops.io/tier: '1'\n"
        "    steadyops.io/dependency-soft: shop-db\nspec:",
    )
    payments.write_text(text)
    audit_before = AuditEntry.objects.count()

    report = import_catalog(actor=admin, path=shop_dir)

    service = Service.objects.get(slug="payments-api")
    assert (service.name, service.tier) == ("Payments API", 1)
    assert ("payments-api", "shop-db", False) in edges()
    assert (report.created, report.updated) == (0, 2)
    assert [str(change) for change in report.changes] == [
        '~ service payments-api: name: "payments-api" → "Payments API"; tier: 3 → 1',
        "~ dependency payments-api → shop-db: hard: true → false",
    ]
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [entry.action for entry in entries] == ["service.update", "dependency.update"]
    assert entries[0].before["tier"] == 3
    assert entries[0].after["tier"] == 1
    assert AuditEntry.objects.count() == audit_before + 2


def test_it_reports_missing_entities_and_keeps_them(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)
    search = shop_dir / "systems" / "more" / "search.yaml"
    search.write_text(search.read_text().replace("  dependsOn: [resource:default/shop-db]\n", ""))
    checkout = shop_dir / "systems" / "checkout.yaml"
    text = checkout.read_text().replace("  target: ./more/search.yaml\n", "  targets: []\n")
    checkout.write_text(text.replace("    - component:search/search-api\n", ""))

    report = import_catalog(actor=admin, path=shop_dir)

    assert report.missing == [
        "system search-search",
        "service search-search-api",
        "dependency search-search-api → shop-db",
        "dependency storefront → search-search-api",
    ]
    assert report.unchanged == 19 - 4
    assert Service.objects.filter(slug="search-search-api", archived_at=None).exists()
    assert report.created == 0
    assert report.updated == 0


def test_it_does_not_report_entries_made_by_hand_as_missing(admin: Actor, shop_dir: Path, personas: Personas) -> None:
    from steadyops.catalog import services

    services.create_service(actor=admin, name="Handmade", owner=personas.team_a)

    report = import_catalog(actor=admin, path=shop_dir)

    assert report.missing == []


def test_it_writes_nothing_on_a_dry_run(admin: Actor, shop_dir: Path) -> None:
    before = counts()

    report = import_catalog(actor=admin, path=shop_dir, dry_run=True)

    assert counts() == before
    assert report.dry_run is True
    assert (report.created, report.updated, report.unchanged) == (16, 0, 3)
    assert "+ service storefront" in [str(change) for change in report.changes]


def test_it_shows_the_diff_of_a_dry_run_without_writing(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)
    payments = shop_dir / "systems" / "payments.yaml"
    payments.write_text(payments.read_text().replace("  type: database\n", "  type: cache\n"))
    before = counts()

    report = import_catalog(actor=admin, path=shop_dir, dry_run=True)

    assert [str(change) for change in report.changes] == ['~ resource shop-db: kind: "database" → "cache"']
    assert counts() == before
    assert Resource.objects.get(slug="shop-db").kind == ResourceKind.DATABASE


def test_it_imports_nothing_when_an_owner_is_not_a_team(personas: Personas, shop_dir: Path) -> None:
    before = counts()

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=Actor.cli(personas.admin), path=shop_dir)

    assert counts() == before
    messages = [str(problem) for problem in caught.value.problems]
    assert messages == [
        "systems/payments.yaml:6: system:default/payments: the owner group:default/payments is not a team in "
        "steadyops; create the team first, or import with --create-teams",
        "systems/payments.yaml:16: component:default/payments-api: the owner group:default/payments is not a team "
        "in steadyops; create the team first, or import with --create-teams",
        "systems/payments.yaml:36: resource:default/payment-vendor: the owner group:default/payments is not a team "
        "in steadyops; create the team first, or import with --create-teams",
    ]


def test_it_creates_missing_teams_only_when_asked(personas: Personas, shop_dir: Path) -> None:
    report = import_catalog(actor=Actor.cli(personas.admin), path=shop_dir, create_teams=True)

    team = Team.objects.get(slug="payments")
    assert team.is_operations is True
    assert Service.objects.get(slug="payments-api").owner == team
    assert AuditEntry.objects.filter(action="team.create", object_id=str(team.pk)).count() == 1
    assert report.created == 17


def test_it_lists_every_dangling_reference_with_file_and_line(admin: Actor, tmp_path: Path) -> None:
    path = write(
        tmp_path / "catalog-info.yaml",
        component("a", spec="  dependsOn:\n    - component:ghost\n    - resource:nowhere\n")
        + component("b", owner="nobody"),
    )

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=path)

    assert [str(problem) for problem in caught.value.problems] == [
        "catalog-info.yaml:11: component:default/a spec.dependsOn names component:default/ghost, which does not exist",
        "catalog-info.yaml:12: component:default/a spec.dependsOn names resource:default/nowhere, which does not exist",
        "catalog-info.yaml:21: component:default/b spec.owner names group:default/nobody, which does not exist",
        "catalog-info.yaml:21: component:default/b: the owner group:default/nobody is not a team in steadyops; "
        "create the team first, or import with --create-teams",
    ]
    assert Service.objects.count() == 0


def test_it_imports_nothing_when_one_entity_of_many_is_wrong(admin: Actor, tmp_path: Path) -> None:
    good = "".join(component(f"svc-{n}") for n in range(20))
    bad = component("bad", extra="  annotations:\n    steadyops.io/tier: '9'\n")
    path = write(tmp_path / "catalog-info.yaml", good + bad)
    before = counts()

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=path)

    assert [str(p) for p in caught.value.problems] == [
        "catalog-info.yaml:182: component:default/bad: the annotation steadyops.io/tier must be 1, 2, 3 or 4"
    ]
    assert counts() == before


def test_it_resolves_dependencies_on_entities_already_in_the_database(admin: Actor, tmp_path: Path) -> None:
    first = write(tmp_path / "one.yaml", component("db-client"))
    import_catalog(actor=admin, path=first)
    second = write(tmp_path / "two.yaml", component("web", spec="  dependsOn: [component:db-client]\n"))

    import_catalog(actor=admin, path=second)

    assert edges() == {("web", "db-client", True)}


def test_it_maps_lifecycle_tier_user_facing_and_dependency_of(admin: Actor, tmp_path: Path) -> None:
    text = component(
        "shopfront",
        extra="  annotations:\n    steadyops.io/tier: '2'\n    steadyops.io/user-facing: 'true'\n",
        spec="  dependencyOf: [component:gateway]\n",
    ).replace("lifecycle: production", "lifecycle: beta") + component("gateway").replace("production", "deprecated")
    import_catalog(actor=admin, path=write(tmp_path / "catalog-info.yaml", text))

    shopfront = Service.objects.get(slug="shopfront")
    assert (shopfront.tier, shopfront.user_facing, shopfront.lifecycle) == (2, True, Lifecycle.EXPERIMENTAL)
    assert shopfront.annotations == {}
    assert Service.objects.get(slug="gateway").lifecycle == Lifecycle.DEPRECATED
    assert edges() == {("gateway", "shopfront", True)}


@pytest.mark.parametrize(
    ("extra", "spec", "message"),
    [
        ("", "", "lifecycle 'someday' is not one steadyops knows: use experimental, production, deprecated"),
        ("  annotations:\n    steadyops.io/user-facing: 'maybe'\n", "", "steadyops.io/user-facing must be true"),
        ("  annotations:\n    steadyops.io/dependency-soft: ghost\n", "", "names 'ghost', which is not in spec"),
        ("", "  dependsOn: [component:x]\n", "cannot depend on itself"),
        ("  title: '" + "T" * 101 + "'\n", "", "name: Ensure this value has at most 100 characters"),
        ("  links:\n    - url: 'javascript:alert(1)'\n", "", "is not a web address"),
        ('  title: "evil\\e[31m"\n', "", "control characters"),
    ],
)
def test_it_refuses_bad_values_with_a_clear_message(
    admin: Actor, tmp_path: Path, extra: str, spec: str, message: str
) -> None:
    text = component("x", extra=extra, spec=spec)
    if "someday" in message:
        text = text.replace("lifecycle: production", "lifecycle: someday")

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=write(tmp_path / "catalog-info.yaml", text))

    assert len(caught.value.problems) == 1
    assert message in str(caught.value.problems[0])
    assert Service.objects.count() == 0


def test_it_refuses_hostile_files_and_imports_nothing(admin: Actor, tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    write(tmp_path / "catalog-info.yaml", component("fine") + "\n---\n" + bomb)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "catalog-info.yaml").write_bytes(b"\xff\xfe\x00binary")

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=tmp_path)

    assert [p.file for p in caught.value.problems] == ["catalog-info.yaml", "sub/catalog-info.yaml"]
    assert Service.objects.count() == 0


def test_it_refuses_two_entities_with_the_same_slug(admin: Actor, tmp_path: Path) -> None:
    text = component("a.b") + component("a-b")

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=write(tmp_path / "catalog-info.yaml", text))

    assert [str(p) for p in caught.value.problems] == [
        "catalog-info.yaml:11: component:default/a-b: gets the same slug 'a-b' as component:default/a.b at "
        "catalog-info.yaml:2"
    ]


def test_it_refuses_to_update_an_archived_service(admin: Actor, tmp_path: Path) -> None:
    from steadyops.catalog import services

    path = write(tmp_path / "catalog-info.yaml", component("old"))
    import_catalog(actor=admin, path=path)
    services.archive_service(actor=admin, service=Service.objects.get(slug="old"))

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=path)

    assert "archived in steadyops" in str(caught.value.problems[0])


def test_it_refuses_business_teams_as_owners(admin: Actor, tmp_path: Path) -> None:
    text = "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: marketing\nspec:\n  type: team\n"
    text += "  children: []\n" + component("campaigns", owner="marketing")

    with pytest.raises(CatalogError) as caught:
        import_catalog(actor=admin, path=write(tmp_path / "catalog-info.yaml", text))

    assert "marketing is a business team" in str(caught.value.problems[0])


@pytest.mark.parametrize("who", ["operator_a", "stakeholder", "viewer"])
def test_it_lets_only_administrators_import(personas: Personas, shop_dir: Path, who: str) -> None:
    with pytest.raises(PermissionDenied):
        import_catalog(actor=Actor.cli(getattr(personas, who)), path=shop_dir)

    assert Service.objects.count() == 0


def test_it_audits_new_dependencies_with_both_ends(admin: Actor, shop_dir: Path) -> None:
    import_catalog(actor=admin, path=shop_dir)

    dependency = Dependency.objects.get(source_service__slug="storefront", target_service__slug="checkout-api")
    entry = AuditEntry.objects.get(action="dependency.add", object_id=str(dependency.pk))
    assert entry.after == {
        "source_service": dependency.source_service_id,
        "source_resource": None,
        "target_service": dependency.target_service_id,
        "target_resource": None,
        "hard": True,
        "degrades": "unknown",
        "fallback": "",
        "note": "",
    }


def test_it_reports_progress_by_stage(admin: Actor, shop_dir: Path) -> None:
    calls: list[tuple[str, int, int | None]] = []

    import_catalog(actor=admin, path=shop_dir, progress=lambda stage, done, total: calls.append((stage, done, total)))

    assert [call for call in calls if call[0] == "reading"][-1] == ("reading", 18, None)
    assert [call for call in calls if call[0] == "writing"][-1] == ("writing", 16, 16)
