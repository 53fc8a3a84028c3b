"""Subscriptions: a person follows incidents for themselves; a team's operators and administrators for the team."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents.models.incidents import Subscription
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_it_subscribes_idempotently_and_replaces_the_severity(personas: Personas) -> None:
    storefront, _ = build_services(personas)
    me = Actor(user=personas.stakeholder)
    first = services.subscribe(actor=me, scope="service", service=storefront, user=personas.stakeholder)
    again = services.subscribe(actor=me, scope="service", service=storefront, user=personas.stakeholder)
    assert first.pk == again.pk
    severity = services.subscribe(actor=me, scope="severity", max_severity=2, user=personas.stakeholder)
    replaced = services.subscribe(actor=me, scope="severity", max_severity=3, user=personas.stakeholder)
    assert severity.pk == replaced.pk
    assert replaced.max_severity == 3
    assert replaced.describe() == "SEV3 problems and worse"
    assert Subscription.objects.filter(user=personas.stakeholder).count() == 2


def test_it_lets_only_a_teams_operators_and_admins_subscribe_it(personas: Personas) -> None:
    for person in (personas.operator_b, personas.stakeholder, personas.viewer):
        with pytest.raises(PermissionDenied):
            services.subscribe(actor=Actor(user=person), scope="all", team=personas.team_a)
    with pytest.raises(PermissionDenied):
        services.subscribe(actor=Actor(user=personas.admin), scope="all", user=personas.viewer)
    services.subscribe(actor=Actor(user=personas.operator_a), scope="all", team=personas.team_a)
    services.subscribe(actor=Actor(user=personas.admin), scope="all", team=personas.team_b)
    assert sorted(Subscription.objects.values_list("team__slug", flat=True)) == ["checkout", "platform"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"scope": "service"}, "service"),
        ({"scope": "severity"}, "max_severity"),
        ({"scope": "severity", "max_severity": 5}, "severity"),
        ({"scope": "incident"}, "incident"),
    ],
)
def test_it_refuses_incomplete_subscriptions(personas: Personas, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.subscribe(actor=Actor(user=personas.viewer), user=personas.viewer, **arguments)
    assert list(error.value.message_dict) == [field]
    assert Subscription.objects.count() == 0


def test_it_manages_subscriptions_on_the_page(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    client.force_login(personas.operator_a)
    page = client.get(reverse("incidents_subscriptions")).content.decode()
    assert "The team Platform" in page
    response = client.post(
        reverse("incidents_subscriptions"), {"who": "platform", "scope": "service", "service": "storefront"}
    )
    assert response.status_code == 302
    mine = client.post(reverse("incidents_subscriptions"), {"who": "me", "scope": "severity", "max_severity": "2"})
    assert mine.status_code == 302
    listed = client.get(reverse("incidents_subscriptions")).content.decode()
    assert "Problems with Storefront" in listed
    assert "SEV2 problems and worse" in listed
    team_sub = Subscription.objects.get(team=personas.team_a)
    assert team_sub.service == storefront
    deleted = client.post(reverse("incidents_subscription_delete", kwargs={"pk": team_sub.pk}))
    assert deleted.status_code == 302
    assert not Subscription.objects.filter(team=personas.team_a).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"who": "me", "scope": "service"}, "service"),
        ({"who": "me", "scope": "severity"}, "max_severity"),
        ({"who": "me", "scope": "service", "service": "nope"}, "service"),
        ({"who": "checkout", "scope": "all"}, "who"),
        ({"who": "me", "scope": "<script>"}, "scope"),
    ],
)
def test_it_refuses_bad_subscription_forms(
    client: Client, personas: Personas, data: dict[str, str], field: str
) -> None:
    client.force_login(personas.operator_a)
    response = client.post(reverse("incidents_subscriptions"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Subscription.objects.count() == 0


def test_it_shows_team_subscriptions_to_members_who_cannot_change_them(client: Client, personas: Personas) -> None:
    sub = services.subscribe(actor=Actor(user=personas.admin), scope="all", team=personas.marketing)
    client.force_login(personas.stakeholder)
    page = client.get(reverse("incidents_subscriptions")).content.decode()
    assert "The team Marketing" in page
    assert reverse("incidents_subscription_delete", kwargs={"pk": sub.pk}) not in page
    assert client.post(reverse("incidents_subscription_delete", kwargs={"pk": sub.pk})).status_code == 403
    assert Subscription.objects.filter(pk=sub.pk).exists()


def test_it_lists_in_bounded_queries(client: Client, personas: Personas, django_assert_max_num_queries: Any) -> None:
    storefront, payments = build_services(personas)
    for service in (storefront, payments):
        services.subscribe(
            actor=Actor(user=personas.operator_a), scope="service", service=service, team=personas.team_a
        )
    for index in range(10):
        incident = declare(personas, [storefront], title=f"Problem {index}")
        services.subscribe_user(user=personas.operator_a, incident=incident)
    client.force_login(personas.operator_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("incidents_subscriptions")).content.decode()
    assert page.count("Customers cannot pay by card") == 0
    assert page.count("Problem ") == 10


def test_it_manages_subscriptions_through_the_api(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    client.force_login(personas.operator_a)
    url = "/api/v1/incidents/subscriptions"
    created = client.post(url, {"scope": "incident", "incident": incident.number}, content_type="application/json")
    assert created.status_code == 201
    assert json.loads(created.content) == {
        "id": Subscription.objects.get(scope="incident").pk,
        "team": None,
        "scope": "incident",
        "service": None,
        "max_severity": None,
        "incident": "INC-1",
        "description": "INC-1 Customers cannot pay by card",
    }
    team = client.post(url, {"scope": "service", "service": "storefront", "team": "platform"}, "application/json")
    assert team.status_code == 201
    listed = json.loads(client.get(url).content)
    assert listed["count"] == 2
    other = client.post(url, {"scope": "all", "team": "checkout"}, content_type="application/json")
    assert other.status_code == 403
    for bad in (
        {"scope": "service", "service": "nope"},
        {"scope": "severity", "max_severity": 9},
        {"scope": "incident", "incident": 404},
        {"scope": "all", "colour": "red"},
        {"scope": "all", "team": "nope"},
    ):
        response = client.post(url, bad, content_type="application/json")
        assert response.status_code == 422, bad
        assert json.loads(response.content)["error"]["code"] == "invalid"
    sub_id = json.loads(created.content)["id"]
    assert client.delete(f"{url}/{sub_id}").status_code == 204
    assert client.delete(f"{url}/{sub_id}").status_code == 404
    assert Subscription.objects.count() == 1
