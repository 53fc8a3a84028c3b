"""The demand cards on the home page: your busy days ahead, and your services' shortfalls."""

from django.urls import reverse
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.demand import headroom_services
from steadyops.demand.home import event_cards, headroom_cards
from steadyops.demand.tests.authz_headroom import make_world
from steadyops.testing.personas import Personas


def test_it_invites_people_with_no_event_to_register_one(personas: Personas) -> None:
    [card] = event_cards(personas.stakeholder)
    assert card.title == "Busy days ahead"
    assert card.link_url == reverse("demand_event_create")


def test_it_lists_the_teams_upcoming_events_with_their_status(personas: Personas) -> None:
    world = make_world(personas)
    [card] = event_cards(personas.stakeholder)
    start = timezone.localtime(world.event.starts_at)
    assert card.title == "Your busy days ahead"
    assert card.lines == [f"{start:%d %b}: Black Friday (New: operations has not looked at it yet)"]


def test_viewers_get_no_event_card(personas: Personas) -> None:
    make_world(personas)
    assert event_cards(personas.viewer) == []


def test_the_owning_teams_operator_sees_the_shortfall(personas: Personas, client) -> None:  # type: ignore[no-untyped-def]
    make_world(personas)
    headroom_services.recompute_headroom(actor=Actor(user=personas.operator_b))

    [card] = headroom_cards(personas.operator_b)

    assert card.title == "Not enough capacity for busy days ahead"
    assert len(card.lines) == 1
    assert card.lines[0].startswith("Black Friday: Add ")
    assert headroom_cards(personas.operator_a) == []
    assert headroom_cards(personas.stakeholder) == []
    client.force_login(personas.operator_b)
    assert "Not enough capacity for busy days ahead" in client.get(reverse("home")).content.decode()
