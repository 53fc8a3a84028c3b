"""The month calendar: events as bars across the days of each week."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.demand import event_services as services
from steadyops.demand.models.events import DemandEvent
from steadyops.demand.tests.authz_events import World, event_fields, make_world
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _event(world: World, title: str, start: datetime, end: datetime) -> DemandEvent:
    return services.register_event(
        actor=Actor(user=world.personas.stakeholder),
        **event_fields([world.checkout], title=title, starts_at=start, ends_at=end, timezone="UTC"),
    )


def test_it_lays_events_out_as_bars_in_lanes(world: World) -> None:
    sale = _event(world, "Sale", datetime(2027, 11, 26), datetime(2027, 11, 30))  # Fri to Mon midnight
    tv = _event(world, "TV", datetime(2027, 11, 27, 20), datetime(2027, 11, 27, 22))
    weeks = services.month_layout(2027, 11, [sale, tv], ZoneInfo("UTC"))
    assert [week.days[0].isoformat() for week in weeks] == [
        "2027-11-01",
        "2027-11-08",
        "2027-11-15",
        "2027-11-22",
        "2027-11-29",
    ]
    fourth = weeks[3]
    assert [(bar.event.title if bar.event else None, bar.span, bar.continues_after) for bar in fourth.lanes[0]] == [
        (None, 4, False),
        ("Sale", 3, True),
    ]
    assert [(bar.event.title if bar.event else None, bar.span) for bar in fourth.lanes[1]] == [
        (None, 5),
        ("TV", 1),
        (None, 1),
    ]
    # The sale ends at midnight on Tuesday: Monday is its last day.
    fifth = weeks[4]
    assert [(bar.event.title if bar.event else None, bar.span, bar.continues_before) for bar in fifth.lanes[0]] == [
        ("Sale", 1, True),
        (None, 6, False),
    ]


def test_the_page_shows_the_month_and_bounds_queries(world: World, django_assert_max_num_queries: Any) -> None:
    for day in range(1, 28):
        _event(world, f"Day {day}", datetime(2027, 11, day, 9, tzinfo=UTC), datetime(2027, 11, day, 10, tzinfo=UTC))
    client = Client()
    client.force_login(world.personas.viewer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("demand_calendar"), {"month": "2027-11"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Busy days: November 2027" in body
    assert body.count('class="calendar-bar"') == 27
    assert 'href="?month=2027-10"' in body
    assert 'href="?month=2027-12"' in body
    assert "<script" not in body.split("<body>")[1]


@pytest.mark.parametrize("month", ["2027-13", "nov", "99999-01", "1900-01"])
def test_it_refuses_a_bad_month(world: World, month: str) -> None:
    client = Client()
    client.force_login(world.personas.viewer)
    response = client.get(reverse("demand_calendar"), {"month": month})
    assert response.status_code == 400
    assert "Give the month as year and month, such as 2027-11." in response.content.decode()


def test_cancelled_events_are_left_off(world: World) -> None:
    gone = _event(world, "Gone", datetime(2027, 11, 3, 9, tzinfo=UTC), datetime(2027, 11, 3, 10, tzinfo=UTC))
    services.cancel_event(actor=Actor(user=world.personas.stakeholder), event=gone)
    client = Client()
    client.force_login(world.personas.viewer)
    assert "Gone" not in client.get(reverse("demand_calendar"), {"month": "2027-11"}).content.decode()
