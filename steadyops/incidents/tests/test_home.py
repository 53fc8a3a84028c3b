"""The incidents cards on the home page: problems right now for everyone, the triage queue for operators."""

from django.urls import reverse

from steadyops.incidents.home import cards
from steadyops.incidents.tests.authz_panic import make_world
from steadyops.testing.personas import Personas


def test_everyone_sees_that_nothing_is_known_to_be_broken(personas: Personas) -> None:
    [card] = cards(personas.viewer)
    assert (card.title, card.tone) == ("Problems right now", "ok")
    assert card.link_url == reverse("incidents_status_page")


def test_it_lists_open_incidents_and_the_waiting_reports_for_operators(personas: Personas, client) -> None:  # type: ignore[no-untyped-def]
    world = make_world(personas)

    problems, triage = cards(personas.operator_a)

    assert problems.lines == [f"{world.incident.key} SEV3: Search is slow"]
    assert triage.lines == ["1 group of reports and alerts in the triage queue"]
    assert triage.link_url == reverse("incidents_triage")
    assert [card.title for card in cards(personas.stakeholder)] == ["Problems right now"]
    client.force_login(personas.stakeholder)
    assert "Search is slow" in client.get(reverse("home")).content.decode()
