"""Changes that take something away from others ask first: removing the last thing a user-facing service needs,
archiving what others need hard. Pages show a confirmation step; the API answers 409 unless ?confirm=true."""

from typing import Any

import pytest
from django.urls import reverse

from steadyops.api.testing import assert_error, send
from steadyops.api.testing import client_for as api_client_for
from steadyops.catalog import services
from steadyops.catalog.models import Dependency, Resource, Service
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry

BASE = "/api/v1/catalog"


@pytest.fixture
def cache(shop: Shop) -> Resource:
    """Redis cache, needed hard by Cart and by Checkout, and soft by Web."""
    admin = Actor(user=shop.personas.admin)
    redis = services.create_resource(actor=admin, name="Redis cache", owner=shop.personas.team_a, kind="cache")
    cart = services.create_service(actor=admin, name="Cart", owner=shop.personas.team_b)
    services.add_dependency(actor=admin, source=cart, target=redis, hard=True)
    services.add_dependency(actor=admin, source=shop.checkout, target=redis, hard=True)
    services.add_dependency(actor=admin, source=shop.web, target=redis, hard=False)
    return redis


def _web_dependency(shop: Shop) -> Dependency:
    return Dependency.objects.get(source_service=shop.web, target_service=shop.checkout)


# --- Removing the last dependency of a user-facing service ---------------------


def test_removing_the_last_dependency_asks_first_and_changes_nothing(shop: Shop) -> None:
    dependency = _web_dependency(shop)
    response = client_for(shop.personas, "operator_a").post(reverse("catalog_dependency_remove", args=[dependency.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Web would no longer need anything recorded" in body
    assert 'name="confirm" value="yes"' in body
    assert Dependency.objects.filter(pk=dependency.pk).exists()
    assert not AuditEntry.objects.filter(action="dependency.remove").exists()


def test_the_second_post_with_confirm_removes_it(shop: Shop) -> None:
    dependency = _web_dependency(shop)
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_dependency_remove", args=[dependency.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 302
    assert not Dependency.objects.filter(pk=dependency.pk).exists()
    assert AuditEntry.objects.filter(action="dependency.remove").count() == 1


@pytest.mark.parametrize("confirm", ["", "no", "YES", "true", "yes\x00", "y" * 5000])
def test_anything_but_yes_asks_again(shop: Shop, confirm: str) -> None:
    dependency = _web_dependency(shop)
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_dependency_remove", args=[dependency.pk]), {"confirm": confirm}
    )
    assert response.status_code == 200
    assert Dependency.objects.filter(pk=dependency.pk).exists()


def test_with_htmx_the_question_replaces_the_section(shop: Shop) -> None:
    dependency = _web_dependency(shop)
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_dependency_remove", args=[dependency.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="dependencies"')
    assert "Forget that Web needs Checkout?" in body
    assert "<html" not in body


def test_others_cannot_reach_the_question(shop: Shop) -> None:
    dependency = _web_dependency(shop)
    response = client_for(shop.personas, "operator_b").post(reverse("catalog_dependency_remove", args=[dependency.pk]))
    assert response.status_code == 403
    assert "would no longer need" not in response.content.decode()


def test_it_does_not_ask_when_something_else_stays_or_nobody_uses_it_directly(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.add_dependency(actor=admin, source=shop.web, target=shop.database, hard=False)
    client = client_for(shop.personas, "admin")
    first = client.post(reverse("catalog_dependency_remove", args=[_web_dependency(shop).pk]))
    assert first.status_code == 302
    # Checkout is not user-facing: its last dependency goes without a question.
    only = Dependency.objects.get(source_service=shop.checkout)
    assert client.post(reverse("catalog_dependency_remove", args=[only.pk])).status_code == 302
    assert not Dependency.objects.filter(pk=only.pk).exists()


def test_the_api_answers_409_naming_the_service_unless_confirmed(shop: Shop) -> None:
    dependency = _web_dependency(shop)
    client = api_client_for(shop.personas.operator_a)
    url = f"{BASE}/dependencies/{dependency.pk}"
    error = assert_error(send(client, "DELETE", url), 409, "confirmation_needed")
    assert error["details"] == {"affected": ["Web"]}
    assert "Web would no longer need anything recorded" in error["message"]
    assert Dependency.objects.filter(pk=dependency.pk).exists()
    assert send(client, "DELETE", f"{url}?confirm=false").status_code == 409
    assert_error(send(client, "DELETE", f"{url}?confirm=banana"), 422, "invalid")
    assert Dependency.objects.filter(pk=dependency.pk).exists()
    assert send(client, "DELETE", f"{url}?confirm=true").status_code == 204
    assert not Dependency.objects.filter(pk=dependency.pk).exists()


# --- Archiving what others need hard -------------------------------------------


def test_archiving_a_resource_others_need_hard_names_them(shop: Shop, cache: Resource) -> None:
    response = client_for(shop.personas, "operator_a").post(reverse("catalog_resource_archive", args=["redis-cache"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Cart and Checkout need Redis cache hard." in body
    assert response.context["affected"] == ["Cart", "Checkout"]  # Web needs it soft: not affected
    cache.refresh_from_db()
    assert cache.archived_at is None
    assert not AuditEntry.objects.filter(action="resource.archive").exists()


def test_confirming_archives_the_resource(shop: Shop, cache: Resource) -> None:
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_resource_archive", args=["redis-cache"]), {"confirm": "yes"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog_resource_list")
    cache.refresh_from_db()
    assert cache.archived_at is not None
    assert AuditEntry.objects.filter(action="resource.archive").count() == 1


def test_archiving_a_service_others_need_hard_asks_first(shop: Shop) -> None:
    client = client_for(shop.personas, "operator_b")
    asked = client.post(reverse("catalog_service_archive", args=["checkout"]))
    assert asked.status_code == 200
    assert "Web needs Checkout hard." in asked.content.decode()
    assert Service.objects.get(slug="checkout").archived_at is None
    done = client.post(reverse("catalog_service_archive", args=["checkout"]), {"confirm": "yes"})
    assert done.status_code == 302
    assert Service.objects.get(slug="checkout").archived_at is not None


def test_archived_dependents_do_not_count(shop: Shop) -> None:
    services.archive_service(actor=Actor(user=shop.personas.admin), service=shop.web)
    response = client_for(shop.personas, "operator_b").post(reverse("catalog_service_archive", args=["checkout"]))
    assert response.status_code == 302
    assert Service.objects.get(slug="checkout").archived_at is not None


@pytest.mark.parametrize(
    ("path", "affected", "model", "slug"),
    [
        ("resources/redis-cache/archive", ["Cart", "Checkout"], Resource, "redis-cache"),
        ("services/checkout/archive", ["Web"], Service, "checkout"),
    ],
)
def test_the_archive_api_answers_409_unless_confirmed(
    shop: Shop, cache: Resource, path: str, affected: list[str], model: Any, slug: str
) -> None:
    client = api_client_for(shop.personas.admin)
    error = assert_error(send(client, "POST", f"{BASE}/{path}"), 409, "confirmation_needed")
    assert error["details"] == {"affected": affected}
    assert model.objects.get(slug=slug).archived_at is None
    response = send(client, "POST", f"{BASE}/{path}?confirm=true")
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert model.objects.get(slug=slug).archived_at is not None


def test_the_service_functions_refuse_without_confirmation(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    with pytest.raises(services.NeedsConfirmation) as raised:
        services.remove_dependency(actor=admin, dependency=_web_dependency(shop))
    assert raised.value.affected == ["Web"]
    with pytest.raises(services.NeedsConfirmation) as raised:
        services.archive_resource(actor=admin, resource=shop.database)
    assert raised.value.affected == ["Checkout"]
    assert Dependency.objects.count() == 2
    assert Resource.objects.get(slug="shop-db").archived_at is None


def test_the_browser_only_asks_when_the_server_will_not(shop: Shop) -> None:
    client = client_for(shop.personas, "admin")
    checkout = client.get(reverse("catalog_service_detail", args=["checkout"])).content.decode()
    web = client.get(reverse("catalog_service_detail", args=["web"])).content.decode()
    database = client.get(reverse("catalog_resource_detail", args=["shop-db"])).content.decode()
    assert 'data-confirm="Archive Checkout?' not in checkout  # Web needs it hard: the server asks
    assert 'data-confirm="Archive Shop DB?' not in database  # Checkout needs it hard
    assert 'data-confirm="Archive Web?' in web
