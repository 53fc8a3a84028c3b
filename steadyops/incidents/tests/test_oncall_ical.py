"""Calendar exports of shifts: the private rotation feed and a person's own shifts, parsed back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from steadyops.accounts.models import hash_token
from steadyops.core.actor import Actor
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import Rotation
from steadyops.incidents.tests.authz_oncall import make_world

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def test_it_serves_eight_weeks_of_shifts_on_the_private_address(personas):
    world = make_world(personas)
    response = Client().get(f"/incidents/oncall/calendar/{world.feed_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response.content)
    start, end = services.feed_window()
    expected = services.shifts(world.rotation, start, end)
    assert len(events) == len(expected)
    assert 55 <= len(events) <= 60  # daily shifts for 8 weeks, plus the cover cut into one of them
    first = events[0]
    assert first.decoded("dtstart") == expected[0].starts_at
    assert str(first["summary"]).startswith(f"On call: {expected[0].who}")
    assert any("(covering)" in str(event["summary"]) for event in events)


def test_it_stores_only_the_hash_and_a_new_address_stops_the_old(personas):
    world = make_world(personas)
    rotation = Rotation.objects.get(pk=world.rotation.pk)
    assert rotation.feed_token_hash == hash_token(world.feed_token)
    newer = services.create_rotation_feed(actor=Actor(user=personas.operator_a), rotation=rotation)
    assert Client().get(f"/incidents/oncall/calendar/{world.feed_token}.ics").status_code == 404
    assert Client().get(f"/incidents/oncall/calendar/{newer}.ics").status_code == 200
    services.revoke_rotation_feed(actor=Actor(user=personas.operator_a), rotation=rotation)
    assert Client().get(f"/incidents/oncall/calendar/{newer}.ics").status_code == 404


def test_it_downloads_only_my_own_shifts(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    response = client.get("/incidents/oncall/my-shifts.ics")
    assert response.status_code == 200
    events = _events(response.content)
    assert events
    assert all("Operator A" in str(event["summary"]) for event in events)
    mine = [s for _, s in services.shifts_of_person(personas.operator_a, *services.feed_window())]
    assert len(events) == len(mine)
    viewer = Client()
    viewer.force_login(personas.viewer)
    assert _events(viewer.get("/incidents/oncall/my-shifts.ics").content) == []
    assert world.rotation.pk


def test_it_includes_covers_in_my_shifts(personas):
    world = make_world(personas)
    now = timezone.now()
    services.create_override(
        actor=Actor(user=personas.admin),
        rotation=world.rotation,
        user=personas.operator_b,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=3),
    )
    found = services.shifts_of_person(personas.operator_b, *services.feed_window())
    assert [(s.override, s.ends_at - s.starts_at) for _, s in found] == [(True, timedelta(hours=3))]
