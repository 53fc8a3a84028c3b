from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.accounts.models import Membership
from steadyops.core.actor import Actor
from steadyops.incidents import triage_services
from steadyops.incidents.models import Report
from steadyops.incidents.tests.authz_panic import World, make_world, press
from steadyops.incidents.triage_services import TeamPresses, press_statistics
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    """Marketing pressed about checkout (open signal); platform's operator and marketing about login (declined);
    checkout's operator about search, merged into an open incident; the viewer, in no team, about images."""
    p = personas
    built = make_world(p)
    login = press(p.operator_a, what="Login refuses every password")
    press(p.stakeholder, what="Login refuses passwords for everyone")
    assert login.signal is not None
    triage_services.decline(actor=Actor(user=p.admin), signal=login.signal, reason="not_a_problem")
    search = press(p.operator_b, what="Search results empty", service=built.storefront)
    assert search.signal is not None
    triage_services.merge(actor=Actor(user=p.admin), signal=search.signal, incident=built.incident)
    press(p.viewer, what="Images vanished from product pages")
    return built


def test_it_counts_presses_per_team(world: World) -> None:
    rows = press_statistics(since=timezone.now() - timedelta(days=1))
    p = world.personas
    assert rows == [
        TeamPresses(p.team_b.pk, "Checkout", presses=1, helpful=1, not_helpful=0, pending=0),
        TeamPresses(p.marketing.pk, "Marketing", presses=2, helpful=0, not_helpful=1, pending=1),
        TeamPresses(p.team_a.pk, "Platform", presses=1, helpful=0, not_helpful=1, pending=0),
        TeamPresses(None, "No team", presses=1, helpful=0, not_helpful=0, pending=1),
    ]
    assert rows[1].helpful_share == 0
    assert rows[0].helpful_share == 100
    assert rows[3].helpful_share is None


def test_it_counts_i_see_this_too_on_an_incident_as_helpful(world: World) -> None:
    from steadyops.incidents import intake_services

    intake_services.me_too(actor=Actor(user=world.personas.admin), incident=world.incident)
    [row] = [r for r in press_statistics(since=timezone.now() - timedelta(days=1)) if r.team_id is None]
    assert (row.presses, row.helpful) == (2, 1)


def test_it_keeps_to_the_period(world: World) -> None:
    Report.objects.filter(reporter=world.personas.viewer).update(created_at=timezone.now() - timedelta(days=10))
    recent = press_statistics(since=timezone.now() - timedelta(days=7))
    assert [row.team_name for row in recent] == ["Checkout", "Marketing", "Platform"]
    older = press_statistics(since=timezone.now() - timedelta(days=30), until=timezone.now() - timedelta(days=7))
    assert older == [TeamPresses(None, "No team", presses=1, helpful=0, not_helpful=0, pending=1)]


def test_it_counts_a_report_under_the_team_of_the_moment(world: World) -> None:
    Membership.objects.filter(user=world.personas.stakeholder).delete()
    rows = press_statistics(since=timezone.now() - timedelta(days=1))
    assert [row.team_name for row in rows] == ["Checkout", "Marketing", "Platform", "No team"]


def test_it_shows_counts_and_never_names(world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.personas.viewer)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("incidents_presses"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="row">Marketing</th>' in page
    assert "<td>2</td>" in page
    for name in ("Stakeholder", "Operator A", "Operator B", "Viewer", "stakeholder@", "operator_a"):
        assert name not in page.split('<main id="main"', 1)[1].split("</main>")[0]


def test_it_takes_a_period(world: World) -> None:
    client = Client()
    client.force_login(world.personas.viewer)
    page = client.get(reverse("incidents_presses"), {"days": "7"}).content.decode()
    assert '<option value="7" selected>' in page


@pytest.mark.parametrize("days", ["5", "abc", "-1", "9" * 50])
def test_it_refuses_an_unknown_period(world: World, days: str) -> None:
    client = Client()
    client.force_login(world.personas.viewer)
    response = client.get(reverse("incidents_presses"), {"days": days})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_it_says_so_when_nobody_pressed(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.stakeholder)
    page = client.get(reverse("incidents_presses")).content.decode()
    assert "Nobody pressed the panic button in this period." in page
