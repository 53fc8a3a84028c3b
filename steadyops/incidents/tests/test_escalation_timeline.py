"""Escalation with a fake clock: steps fire after their wait, an answer stops them, repeat then exhausted, and two
workers never run the same step twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import Page, PageNotification, PageState
from steadyops.incidents.tests.authz_oncall import build_policy, build_rotation
from steadyops.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _notified(page: Page) -> list[str | None]:
    return [
        n.user.username if n.user else None for n in PageNotification.objects.filter(page=page).order_by("at", "pk")
    ]


def _two_step_policy(personas, repeat: int = 0):
    rotation = build_rotation(personas, members=[personas.operator_a])
    return build_policy(
        personas,
        [
            services.StepInput(wait_minutes=5, rotation=rotation),
            services.StepInput(wait_minutes=10, user=personas.admin),
        ],
        repeat=repeat,
    )


def test_it_fires_each_step_after_its_wait(personas):
    policy = _two_step_policy(personas)
    t0 = timezone.now()
    page = services.start_paging(reason="Checkout down", policy=policy, now=t0)
    assert page is not None
    assert _notified(page) == ["operator_a"]
    assert page.next_step_at == t0 + timedelta(minutes=5)
    assert services.run_due_pages(t0 + timedelta(minutes=4, seconds=59)) == 0
    assert services.run_due_pages(t0 + timedelta(minutes=5)) == 1
    page.refresh_from_db()
    assert _notified(page) == ["operator_a", "admin"]
    assert (page.step_index, page.round, page.next_step_at) == (1, 0, t0 + timedelta(minutes=15))


def test_it_sends_urgent_messages_with_signed_links(personas):
    policy = _two_step_policy(personas)
    page = services.start_paging(reason="Checkout down", policy=policy)
    assert page is not None
    message = OutboxMessage.objects.get(recipient=personas.operator_a, event="incident.page")
    assert message.urgent is True
    assert "/incidents/page-action/acknowledge/" in message.body
    assert "/incidents/page-action/resolve/" in message.body
    assert message.payload["page"] == page.pk


def test_it_stops_when_someone_acknowledges(personas):
    policy = _two_step_policy(personas)
    t0 = timezone.now()
    page = services.start_paging(reason="Checkout down", policy=policy, now=t0)
    assert page is not None
    services.acknowledge_page(page=page, user=personas.operator_a)
    assert services.run_due_pages(t0 + timedelta(hours=2)) == 0
    page.refresh_from_db()
    assert page.state == PageState.ACKNOWLEDGED
    assert page.acknowledged_by == personas.operator_a
    assert page.next_step_at is None
    assert _notified(page) == ["operator_a"]


def test_it_repeats_the_steps_then_is_exhausted_and_tells_the_operators(personas):
    policy = _two_step_policy(personas, repeat=1)
    t0 = timezone.now()
    page = services.start_paging(reason="Checkout down", policy=policy, now=t0)
    assert page is not None
    # Steps at 0 and 5 minutes, again at 15 and 20; exhausted at 30.
    for minutes in (5, 15, 20):
        assert services.run_due_pages(t0 + timedelta(minutes=minutes)) == 1
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE
    assert (page.step_index, page.round) == (1, 1)
    assert services.run_due_pages(t0 + timedelta(minutes=30)) == 1
    page.refresh_from_db()
    assert page.state == PageState.EXHAUSTED
    assert page.exhausted_at == t0 + timedelta(minutes=30)
    assert _notified(page) == ["operator_a", "admin", "operator_a", "admin"]
    told = OutboxMessage.objects.filter(event="incident.page_exhausted").values_list("recipient__username", flat=True)
    assert list(told) == ["operator_a"]
    assert services.run_due_pages(t0 + timedelta(hours=5)) == 0


def test_it_passes_over_a_rotation_with_nobody_on_call(personas):
    future = build_rotation(personas, starts_on=(timezone.now() + timedelta(days=10)).date(), name="Later")
    policy = build_policy(
        personas,
        [services.StepInput(wait_minutes=5, rotation=future), services.StepInput(wait_minutes=5, user=personas.admin)],
    )
    page = services.start_paging(reason="Checkout down", policy=policy)
    assert page is not None
    assert _notified(page) == [None, "admin"]
    assert page.step_index == 1
    assert PageNotification.objects.filter(page=page, user=None).get().note == "Nobody is on call in Later"


def test_it_is_exhausted_at_once_when_every_step_reaches_nobody(personas):
    future = build_rotation(personas, starts_on=(timezone.now() + timedelta(days=10)).date())
    policy = build_policy(personas, [services.StepInput(wait_minutes=5, rotation=future)], repeat=2)
    page = services.start_paging(reason="Checkout down", policy=policy)
    assert page is not None
    assert page.state == PageState.EXHAUSTED
    assert _notified(page) == [None, None, None]


def test_it_returns_none_when_no_team_has_a_default_policy(personas):
    assert services.start_paging(reason="Something broke") is None
    assert Page.objects.count() == 0


def test_it_falls_back_to_the_first_operations_team_with_a_default_policy(personas):
    policy = _two_step_policy(personas)
    page = services.start_paging(reason="Something broke")
    assert page is not None
    assert page.policy == policy


def test_it_never_lets_two_workers_advance_the_same_page(personas):
    policy = _two_step_policy(personas, repeat=2)
    t0 = timezone.now()
    page = services.start_paging(reason="Checkout down", policy=policy, now=t0)
    assert page is not None
    due = t0 + timedelta(minutes=5)
    first = services.claim_due_pages(worker="one", now=due)
    assert [pk for pk, _ in first] == [page.pk]
    assert services.claim_due_pages(worker="two", now=due) == []
    assert services.advance_page(page.pk, first[0][1], now=due) is True
    # A second attempt with the same (now released) lease changes nothing.
    assert services.advance_page(page.pk, first[0][1], now=due) is False
    page.refresh_from_db()
    assert (page.step_index, page.round) == (1, 0)
    assert _notified(page) == ["operator_a", "admin"]


def test_it_claims_a_page_again_when_its_lease_expired(personas):
    policy = _two_step_policy(personas, repeat=2)
    t0 = timezone.now()
    page = services.start_paging(reason="Checkout down", policy=policy, now=t0)
    assert page is not None
    due = t0 + timedelta(minutes=5)
    stalled = services.claim_due_pages(worker="stalled", now=due)
    later = due + services.LEASE + timedelta(seconds=1)
    taken = services.claim_due_pages(worker="fresh", now=later)
    assert [pk for pk, _ in taken] == [page.pk]
    assert services.advance_page(page.pk, taken[0][1], now=later) is True
    # The stalled worker wakes up: its lease is gone, so it writes nothing.
    assert services.advance_page(page.pk, stalled[0][1], now=later) is False
    page.refresh_from_db()
    assert (page.step_index, page.round) == (1, 0)
    assert _notified(page) == ["operator_a", "admin"]


def test_it_pages_one_person_directly_and_asks_again(personas):
    page = services.page_now(actor=Actor(user=personas.operator_a), reason="Disk full", user=personas.operator_b)
    t0 = page.created_at
    assert _notified(page) == ["operator_b"]
    for minute in (5, 10):
        assert services.run_due_pages(t0 + timedelta(minutes=minute)) == 1
    assert services.run_due_pages(t0 + timedelta(minutes=15)) == 1
    page.refresh_from_db()
    assert page.state == PageState.EXHAUSTED
    assert _notified(page) == ["operator_b"] * 3


def test_it_uses_an_override_for_a_rotation_step(personas):
    policy = _two_step_policy(personas)
    rotation = policy.steps.get(position=0).rotation
    now = timezone.now()
    services.create_override(
        actor=Actor(user=personas.admin),
        rotation=rotation,
        user=personas.operator_b,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    page = services.start_paging(reason="Checkout down", policy=policy, now=now)
    assert page is not None
    assert _notified(page) == ["operator_b"]
