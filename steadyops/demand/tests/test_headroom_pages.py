"""The headroom pages: ranked findings, recomputing, and one service's demand."""

from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.demand import headroom_services
from steadyops.demand.models import HeadroomFinding
from steadyops.demand.tests.authz_headroom import SYSTEM_NAME, make_world
from steadyops.testing.personas import Personas


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_it_lists_open_findings_worst_first(personas: Personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    make_world(personas)
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    client = _client(personas.stakeholder)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("demand_headroom"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Add 4 Checkout instances by" in page
    assert "2 now, 6 needed (4 short)" in page
    assert "Recompute now" not in page


def test_it_filters_by_team_and_refuses_unknown_teams(personas: Personas) -> None:
    make_world(personas)
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    client = _client(personas.operator_a)
    other = client.get(reverse("demand_headroom"), {"team": "platform"})
    assert other.status_code == 200
    assert "No open findings for Platform" in other.content.decode()
    own = client.get(reverse("demand_headroom"), {"team": "checkout"}, headers={"HX-Request": "true"})
    assert own.status_code == 200
    assert "<html" not in own.content.decode()
    assert "Add 4 Checkout instances" in own.content.decode()
    bad = client.get(reverse("demand_headroom"), {"team": "<script>"})
    assert bad.status_code == 400
    assert "Please correct the choices above." in bad.content.decode()
    assert "<script>" not in bad.content.decode()


def test_operators_recompute_from_the_page(personas: Personas) -> None:
    make_world(personas)
    client = _client(personas.operator_a)
    page = client.get(reverse("demand_headroom")).content.decode()
    assert "Recompute now" in page
    response = client.post(reverse("demand_headroom_recompute"), follow=True)
    assert response.redirect_chain == [(reverse("demand_headroom"), 302)]
    assert "Headroom recomputed: 1 checked, 1 new, 0 closed, 1 person told." in response.content.decode()
    assert HeadroomFinding.objects.filter(status="open").count() == 1


def test_viewers_cannot_recompute(personas: Personas) -> None:
    make_world(personas)
    response = _client(personas.viewer).post(reverse("demand_headroom_recompute"))
    assert response.status_code == 403
    assert not HeadroomFinding.objects.exists()


def test_recompute_needs_the_csrf_token(personas: Personas) -> None:
    make_world(personas)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    assert client.post(reverse("demand_headroom_recompute")).status_code == 403
    assert not HeadroomFinding.objects.exists()


def test_it_shows_a_services_demand(personas: Personas) -> None:
    make_world(personas)
    headroom_services.recompute_headroom(actor=Actor.system_actor(SYSTEM_NAME))
    response = _client(personas.operator_b).get(reverse("demand_service_demand", kwargs={"slug": "checkout"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("demand_service_chart", kwargs={"slug": "checkout"}) in page
    assert "What the service can carry at its target load: 80.0 requests/s." in page
    assert "Black Friday" in page
    assert "Change the capacity" in page
    assert "Add 4 Checkout instances by" in page


def test_unknown_services_are_not_found(personas: Personas) -> None:
    client = _client(personas.admin)
    assert client.get(reverse("demand_service_demand", kwargs={"slug": "nothing"})).status_code == 404
    assert client.get(reverse("demand_service_chart", kwargs={"slug": "nothing"})).status_code == 404
    assert client.get(reverse("demand_event_readiness", kwargs={"pk": 999999})).status_code == 404
