"""The resource pages: list, detail, create and edit."""

import pytest
from django.urls import reverse

from steadyops.catalog.models import Dependency, Resource
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import NAMES

FORM = {"name": "Jobs queue", "kind": "queue", "owner": "platform", "description": "Background jobs"}


@pytest.mark.parametrize("name", NAMES)
def test_everyone_signed_in_reads_resources(shop: Shop, name: str) -> None:
    client = client_for(shop.personas, name)
    for url in (reverse("catalog_resource_list"), reverse("catalog_resource_detail", args=["shop-db"])):
        assert client.get(url).status_code == (302 if name == "anonymous" else 200)


def test_the_list_says_how_many_need_each_resource(
    shop: Shop,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    Resource.objects.bulk_create(
        [Resource(slug=f"r-{i:02}", name=f"R {i:02}", owner=shop.personas.team_b) for i in range(30)]
    )
    client = client_for(shop.personas, "viewer")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("catalog_resource_list"))
    rows = {r.slug: r.users for r in response.context["page"]}
    assert len(rows) == 25
    assert rows["r-00"] == 0
    assert list(client.get(reverse("catalog_resource_list"), {"page": "2"}).context["page"].object_list)[-1].users == 1


@pytest.mark.parametrize("name", NAMES)
def test_operators_add_resources_for_their_own_teams(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).post(reverse("catalog_resource_create"), FORM)
    expected = {"admin": 302, "operator_a": 302, "operator_b": 400, "anonymous": 302}.get(name, 403)
    assert response.status_code == expected
    assert Resource.objects.filter(slug="jobs-queue").exists() is (name in ("admin", "operator_a"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"slug": "shop-db"}, "slug"),
        ({"slug": "new"}, "slug"),
        ({"name": "\u200b\u200b"}, "name"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_it_refuses_bad_resources(shop: Shop, data: dict[str, str], field: str) -> None:
    response = client_for(shop.personas, "admin").post(reverse("catalog_resource_create"), {**FORM, **data})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Resource.objects.count() == 1


def test_the_owner_edits_a_resource(shop: Shop) -> None:
    url = reverse("catalog_resource_edit", args=["shop-db"])
    assert client_for(shop.personas, "operator_b").post(url, FORM).status_code == 403
    assert client_for(shop.personas, "operator_a").post(url, FORM).status_code == 302
    shop.database.refresh_from_db()
    assert (shop.database.name, shop.database.kind, shop.database.slug) == ("Jobs queue", "queue", "shop-db")


def test_it_escapes_hostile_resource_names(shop: Shop) -> None:
    Resource.objects.filter(pk=shop.database.pk).update(name="<b onmouseover=x>DB</b>")
    body = client_for(shop.personas, "viewer").get(reverse("catalog_resource_list")).content.decode()
    assert "<b onmouseover" not in body
    assert "&lt;b onmouseover=x&gt;DB&lt;/b&gt;" in body


@pytest.mark.parametrize("name", NAMES)
def test_only_the_owners_archive_a_resource(shop: Shop, name: str) -> None:
    Dependency.objects.filter(target_resource=shop.database).delete()
    response = client_for(shop.personas, name).post(reverse("catalog_resource_archive", args=["shop-db"]))
    archived = Resource.objects.get(slug="shop-db").archived_at is not None
    if name in ("admin", "operator_a"):
        assert response.status_code == 302
        assert archived
        assert AuditEntry.objects.filter(action="resource.archive").count() == 1
        return
    assert response.status_code == (302 if name == "anonymous" else 403)
    assert not archived


def test_archiving_a_resource_twice_or_an_unknown_one(shop: Shop) -> None:
    Dependency.objects.filter(target_resource=shop.database).delete()
    client = client_for(shop.personas, "admin")
    assert client.get(reverse("catalog_resource_archive", args=["shop-db"])).status_code == 405
    assert client.post(reverse("catalog_resource_archive", args=["nope"])).status_code == 404
    client.post(reverse("catalog_resource_archive", args=["shop-db"]))
    client.post(reverse("catalog_resource_archive", args=["shop-db"]))
    assert AuditEntry.objects.filter(action="resource.archive").count() == 1
    # Once archived, its owners can no longer change it; only an administrator can.
    again = client_for(shop.personas, "operator_a").post(reverse("catalog_resource_archive", args=["shop-db"]))
    assert again.status_code == 403


def test_the_archive_button_shows_for_the_owners_only(shop: Shop) -> None:
    url = reverse("catalog_resource_archive", args=["shop-db"])
    detail = reverse("catalog_resource_detail", args=["shop-db"])
    assert url in client_for(shop.personas, "operator_a").get(detail).content.decode()
    assert url not in client_for(shop.personas, "operator_b").get(detail).content.decode()
