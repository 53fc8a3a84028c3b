"""Private calendar addresses: made and revoked by a team, read by any calendar program without signing in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from steadyops.accounts.models import hash_token
from steadyops.catalog import services as catalog
from steadyops.core.actor import Actor
from steadyops.demand import event_services as services
from steadyops.demand.models.events import CalendarFeed
from steadyops.demand.tests.authz_events import World, event_fields, make_world
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _read(token: str) -> Any:
    return Client().get(reverse("demand_ical_feed", kwargs={"token": token}))


def test_it_keeps_only_a_hash_of_the_address(world: World) -> None:
    feed = CalendarFeed.objects.get(pk=world.feed.pk)
    assert feed.token_hash == hash_token(world.feed_token)
    assert world.feed_token not in str(CalendarFeed.objects.values().get(pk=feed.pk))


def test_the_feed_parses_back_with_the_teams_events(world: World) -> None:
    response = _read(world.feed_token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Black Friday sale"]
    entry = events[0]
    assert entry.decoded("dtstart") == world.event.starts_at
    assert entry.decoded("dtend") == world.event.ends_at
    assert "Traffic: about 6 times a normal day." in str(entry["description"])
    assert str(entry["uid"]).startswith(f"demand-event-{world.event.pk}@")


def test_a_team_sees_events_on_the_services_it_owns(world: World) -> None:
    # checkout's owners (team_b) see marketing's checkout event; platform sees its whole-site one.
    _, raw_b = services.create_calendar_feed(actor=Actor(user=world.personas.operator_b), team=world.personas.team_b)
    services.register_event(
        actor=Actor(user=world.personas.stakeholder),
        **event_fields([], whole_site=True, title="TV spot"),
    )
    _, raw_a = services.create_calendar_feed(actor=Actor(user=world.personas.operator_a), team=world.personas.team_a)
    titles_b = [str(e["summary"]) for e in Calendar.from_ical(_read(raw_b).content).walk("VEVENT")]
    titles_a = [str(e["summary"]) for e in Calendar.from_ical(_read(raw_a).content).walk("VEVENT")]
    assert titles_b == ["Black Friday sale", "TV spot"]
    assert titles_a == ["TV spot"]


def test_a_revoked_or_wrong_address_is_not_found(world: World) -> None:
    assert _read("stc_" + "x" * 43).status_code == 404
    assert _read("nonsense").status_code == 404
    assert _read(world.feed_token[:-1]).status_code == 404
    services.revoke_calendar_feed(actor=Actor(user=world.personas.stakeholder), feed=world.feed)
    assert _read(world.feed_token).status_code == 404


def test_cancelled_events_leave_the_feed(world: World) -> None:
    services.cancel_event(actor=Actor(user=world.personas.stakeholder), event=world.event)
    assert Calendar.from_ical(_read(world.feed_token).content).walk("VEVENT") == []


def test_the_feeds_page_shows_a_new_address_once(world: World) -> None:
    client = Client()
    client.force_login(world.personas.stakeholder)
    response = client.post(reverse("demand_calendar_feeds"), {"team": "marketing"})
    assert response.status_code == 200
    feed = CalendarFeed.objects.order_by("-pk").first()
    assert feed is not None
    address = response.context["new_address"]
    assert address.startswith("http://testserver/demand/calendar/feed/stc_")
    assert _read(address.rsplit("/", 1)[1].removesuffix(".ics")).status_code == 200
    again = client.get(reverse("demand_calendar_feeds")).content.decode()
    assert address not in again
    assert feed.hint in again


def test_only_members_may_make_or_revoke_a_teams_address(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_calendar_feed(actor=Actor(user=world.personas.operator_a), team=world.personas.marketing)
    with pytest.raises(PermissionDenied):
        services.revoke_calendar_feed(actor=Actor(user=world.personas.operator_a), feed=world.feed)
    assert CalendarFeed.objects.filter(revoked_at=None).count() == 1


def test_an_archived_service_no_longer_brings_its_events(world: World) -> None:
    _, raw_b = services.create_calendar_feed(actor=Actor(user=world.personas.operator_b), team=world.personas.team_b)
    catalog.archive_service(actor=Actor(user=world.personas.admin), service=world.checkout, confirmed=True)
    assert Calendar.from_ical(_read(raw_b).content).walk("VEVENT") == []
