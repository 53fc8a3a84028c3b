"""Adding and removing dependencies on a service's page, with and without htmx."""

import pytest
from django.urls import reverse

from steadyops.catalog.models import Dependency
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.testing.personas import NAMES

ADD = {"target": "resource:shop-db", "hard": "0", "degrades": "yes", "fallback": "Serves cached pages."}


@pytest.mark.parametrize("name", NAMES)
def test_only_the_owners_add_a_dependency(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).post(reverse("catalog_dependency_add", args=["web"]), ADD)
    expected = {"admin": 302, "operator_a": 302, "anonymous": 302}.get(name, 403)
    assert response.status_code == expected
    added = Dependency.objects.filter(source_service=shop.web, target_resource=shop.database).first()
    assert (added is not None) == (name in ("admin", "operator_a"))
    if added is not None:
        assert (added.hard, added.degrades, added.fallback) == (False, "yes", "Serves cached pages.")


def test_it_swaps_the_section_in_with_htmx(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_dependency_add", args=["web"]), ADD, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="dependencies"')
    assert "Web now depends on Shop DB." in body
    assert "Web keeps working without Shop DB, in a reduced way. Instead: Serves cached pages." in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "service:web"}, "Select a valid choice"),
        ({"target": "service:checkout"}, "Select a valid choice"),  # already a dependency: not offered
        ({"target": "resource:nope"}, "Select a valid choice"),
        ({"target": ""}, "This field is required"),
        ({"degrades": "perhaps"}, "Select a valid choice"),
        ({"fallback": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_it_refuses_bad_dependencies(shop: Shop, data: dict[str, str], message: str) -> None:
    before = Dependency.objects.count()
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_dependency_add", args=["web"]), {**ADD, **data}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dependency.objects.count() == before


@pytest.mark.parametrize("name", NAMES)
def test_only_the_owners_remove_a_dependency(shop: Shop, name: str) -> None:
    dependency = Dependency.objects.get(source_service=shop.web)
    response = client_for(shop.personas, name).post(
        reverse("catalog_dependency_remove", args=[dependency.pk]), {"confirm": "yes"}
    )
    expected = {"admin": 302, "operator_a": 302, "anonymous": 302}.get(name, 403)
    assert response.status_code == expected
    assert Dependency.objects.filter(pk=dependency.pk).exists() is (name not in ("admin", "operator_a"))


def test_removing_with_htmx_redraws_the_section(shop: Shop) -> None:
    dependency = Dependency.objects.get(source_service=shop.web)
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_dependency_remove", args=[dependency.pk]), {"confirm": "yes"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Web no longer depends on Checkout." in body
    assert "as far as steadyops knows, Web needs nothing else to work" in body


def test_removing_an_unknown_dependency_is_404_and_get_is_405(shop: Shop) -> None:
    client = client_for(shop.personas, "admin")
    assert client.post(reverse("catalog_dependency_remove", args=[999999])).status_code == 404
    assert client.get(reverse("catalog_dependency_add", args=["web"])).status_code == 405
