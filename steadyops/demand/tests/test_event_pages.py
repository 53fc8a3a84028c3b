"""The traffic-event pages: the form, the list, an event's page, triage, comments and cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.demand import event_services as services
from steadyops.demand.models.events import DemandEvent, EventComment
from steadyops.demand.tests.authz_events import World, event_fields, form_data, make_world, next_week
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(world: World, client: Client | None = None, **changes: Any) -> Any:
    data = {**form_data(world), **changes}
    return (client or _client(world.personas.stakeholder)).post(reverse("demand_event_create"), data)


def test_it_registers_an_event_from_the_form_and_says_so_plainly(world: World) -> None:
    client = _client(world.personas.stakeholder)
    response = _post(world, client, size_kind="multiplier", multiplier="6", rough_size="huge", title="Summer sale")
    event = DemandEvent.objects.get(title="Summer sale")
    assert response.status_code == 302
    assert response["Location"] == reverse("demand_event_detail", kwargs={"pk": event.pk})
    # The rough size chosen before switching to a number does not count.
    assert (event.size_kind, event.multiplier, event.rough_size) == ("multiplier", 6, None)
    page = client.get(response["Location"])
    assert "Thank you! Operations now knows about “Summer sale”." in page.content.decode()


def test_the_form_defaults_to_the_persons_team_and_zone(world: World, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    page = _client(world.personas.stakeholder).get(reverse("demand_event_create"))
    form = page.context["form"]
    assert (form["team"].value(), form["timezone"].value()) == ("marketing", "Europe/Berlin")
    assert form["contact"].value() == "Stakeholder, stakeholder@example.com"
    # Only services customers meet are offered, never archived ones.
    assert [s.slug for s in form.fields["services"].queryset] == ["checkout", "storefront"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": f"{next_week(8):%Y-%m-%dT%H:%M}"}, "ends_at", "The end is before the start."),
        ({"starts_at": "tomorrow-ish"}, "starts_at", "Write a date and time, such as 2027-11-26 08:00."),
        ({"starts_at": "2027-02-30T10:00"}, "starts_at", "Write a date and time, such as 2027-11-26 08:00."),
        (
            {"timezone": "Nowhere/Land"},
            "timezone",
            "Select a valid choice. Nowhere/Land is not one of the available choices.",
        ),
        ({"size_kind": "multiplier", "multiplier": "0"}, "multiplier", "The number of times must be more than 0."),
        ({"size_kind": "multiplier", "multiplier": "-3"}, "multiplier", "The number of times must be more than 0."),
        (
            {"size_kind": "multiplier", "multiplier": "1001"},
            "multiplier",
            "That is more than 1,000 times today's traffic; check the number.",
        ),
        ({"services": "old-shop"}, "services", "Select a valid choice. old-shop is not one of the available choices."),
        ({"services": "nope"}, "services", "Select a valid choice. nope is not one of the available choices."),
        ({"title": "t" * 201}, "title", "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_it_shows_errors_next_to_the_field_and_saves_nothing(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    response = _post(world, **changes)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert DemandEvent.objects.count() == 1


def test_it_asks_for_confirmation_of_a_thousand_times(world: World) -> None:
    response = _post(world, size_kind="multiplier", multiplier="1000")
    assert response.status_code == 400
    assert "\u00d71,000 means a thousand times today&#x27;s traffic — are you sure?" in response.content.decode()
    assert 'name="confirm"' in response.content.decode()
    assert DemandEvent.objects.count() == 1
    confirmed = _post(world, size_kind="multiplier", multiplier="1000", confirm="on")
    assert confirmed.status_code == 302
    assert DemandEvent.objects.filter(multiplier=1000).count() == 1


def test_it_escapes_hostile_html(world: World) -> None:
    _post(world, title="<script>alert(1)</script>", contact="<img src=x onerror=alert(1)>")
    event = DemandEvent.objects.get(title="<script>alert(1)</script>")
    page = _client(world.personas.viewer).get(reverse("demand_event_detail", kwargs={"pk": event.pk})).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_the_detail_page_shows_the_summary_history_and_operator_buttons(world: World) -> None:
    services.edit_event(
        actor=Actor(user=world.personas.operator_b),
        event=world.event,
        **event_fields([world.checkout], multiplier=8),
    )
    url = reverse("demand_event_detail", kwargs={"pk": world.event.pk})
    operator_page = _client(world.personas.operator_b).get(url).content.decode()
    assert "about 8 times a normal day on" in operator_page
    assert "operator_b changed" in operator_page
    assert 'times a normal day: <span class="before">6.00</span> → <span class="after">8</span>' in operator_page
    assert "Mark: Seen by operations" in operator_page
    stakeholder_page = _client(world.personas.stakeholder).get(url).content.decode()
    assert "Mark: Seen by operations" not in stakeholder_page
    assert "New: operations has not looked at it yet." in stakeholder_page


def test_an_operator_acknowledges_from_the_page(world: World) -> None:
    url = reverse("demand_event_triage", kwargs={"pk": world.event.pk})
    response = _client(world.personas.operator_a).post(url, {"status": "acknowledged"})
    assert response.status_code == 302
    world.event.refresh_from_db()
    assert world.event.status == "acknowledged"
    bad = _client(world.personas.operator_a).post(url, {"status": "cancelled"})
    assert bad.status_code == 400
    world.event.refresh_from_db()
    assert world.event.status == "acknowledged"


def test_a_comment_posted_with_htmx_returns_the_thread(world: World) -> None:
    url = reverse("demand_event_comment", kwargs={"pk": world.event.pk})
    client = _client(world.personas.stakeholder)
    response = client.post(url, {"text": "<b>Hi</b> ops"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="comments"')
    assert "&lt;b&gt;Hi&lt;/b&gt; ops" in body
    empty = client.post(url, {"text": "  "}, headers={"HX-Request": "true"})
    assert empty.status_code == 400
    assert EventComment.objects.count() == 1


def test_cancelling_from_the_page(world: World) -> None:
    url = reverse("demand_event_cancel", kwargs={"pk": world.event.pk})
    assert _client(world.personas.stakeholder).post(url).status_code == 302
    world.event.refresh_from_db()
    assert world.event.status == "cancelled"
    edit = _client(world.personas.stakeholder).get(reverse("demand_event_edit", kwargs={"pk": world.event.pk}))
    assert edit.status_code == 403


def test_the_edit_form_starts_from_the_times_as_entered(world: World) -> None:
    page = _client(world.personas.stakeholder).get(reverse("demand_event_edit", kwargs={"pk": world.event.pk}))
    form = page.context["form"]
    assert form["starts_at"].value() == next_week()
    assert form["services"].value() == ["checkout"]


def test_the_list_shows_upcoming_first_filters_and_bounds_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    actor = Actor(user=world.personas.operator_a)
    for days in range(30):
        start = next_week() + timedelta(days=days)
        services.register_event(
            actor=actor,
            team=world.personas.team_a,
            **event_fields(
                [world.checkout, world.storefront],
                title=f"Event {days}",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            ),
        )
    past_start = next_week() - timedelta(days=60)
    services.register_event(
        actor=actor,
        **event_fields(
            [world.checkout], title="Long gone", starts_at=past_start, ends_at=past_start + timedelta(hours=1)
        ),
    )
    client = _client(world.personas.viewer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("demand_event_list"))
    titles = [event.title for event in page.context["page"].object_list]
    assert titles[:3] == ["Black Friday sale", "Event 0", "Event 1"]
    assert len(titles) == 25
    assert "Long gone" not in titles
    mine = client.get(reverse("demand_event_list"), {"mine": "on"})
    assert list(mine.context["page"].object_list) == []
    team = _client(world.personas.stakeholder).get(reverse("demand_event_list"), {"team": "marketing"})
    assert [e.title for e in team.context["page"].object_list] == ["Black Friday sale"]
    past = client.get(reverse("demand_event_list"), {"when": "past"})
    assert [e.title for e in past.context["page"].object_list] == ["Long gone"]
    assert client.get(reverse("demand_event_list"), {"status": "bogus"}).status_code == 400


def test_viewers_cannot_post_the_form(world: World) -> None:
    response = _client(world.personas.viewer).post(reverse("demand_event_create"), form_data(world))
    assert response.status_code == 403
    assert DemandEvent.objects.count() == 1
