"""On-call operations: rotations, overrides, escalation policies, paging with signed links, the escalation worker
and the rotations' calendar feeds. Pages, API and CLI all call these functions."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone as django_timezone

from steadyops.accounts.models import Role, Team, User, hash_token
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.incidents import oncall as schedule_maths
from steadyops.incidents.models.oncall import (
    EscalationPolicy,
    EscalationStep,
    Override,
    Page,
    PageLinkUse,
    PageNotification,
    PageState,
    Rotation,
    RotationMember,
    RotationPeriod,
)
from steadyops.notify.services import notify_user, time_zone_names

if TYPE_CHECKING:
    from steadyops.incidents.models.incidents import Incident
    from steadyops.incidents.models.signals import Signal

log = logging.getLogger("steadyops.incidents.oncall")

NAME_MAX = 100
REASON_MAX = 500
OVERRIDE_REASON_MAX = 200
MAX_MEMBERS = 20
MAX_STEPS = 10
MAX_REPEAT = 5
MAX_WAIT_MINUTES = 24 * 60
MAX_OVERRIDE_DAYS = 90
# A page sent to one person without a policy asks again this often, this many more times.
DIRECT_WAIT_MINUTES = 5
DIRECT_REPEAT = 2
LINK_SALT = "steadyops.incidents.page-link"
LINK_MAX_AGE = timedelta(hours=24)
ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"
LINK_ACTIONS = (ACKNOWLEDGE, RESOLVE)
LEASE = timedelta(seconds=60)
CLAIM_BATCH = 20
FEED_PREFIX = "sto_oncall_"
FEED_WEEKS = 8

Shift = schedule_maths.Shift


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else django_timezone.now()


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({field: "Give it a name, such as \u201cPlatform primary\u201d."})
    if len(name) > NAME_MAX:
        raise ValidationError({field: f"The name is longer than {NAME_MAX} characters."})
    if has_control_characters(name):
        raise ValidationError({field: "The name contains control characters; use plain text."})
    return name


# --- Schedules ----------------------------------------------------------------------------------------------------


def zone_of(rotation: Rotation) -> ZoneInfo:
    return ZoneInfo(rotation.timezone)


def _members(rotation: Rotation) -> list[User]:
    return [member.user for member in sorted(rotation.members.all(), key=lambda m: m.position)]


def schedule_of(rotation: Rotation) -> schedule_maths.Schedule[User]:
    """The rotation as pure schedule maths sees it (members in order, ready for on_call_at/shifts_between)."""
    return schedule_maths.Schedule(
        period=rotation.period,
        handoff_time=rotation.handoff_time,
        zone=zone_of(rotation),
        starts_on=rotation.starts_on,
        members=_members(rotation),
        period_hours=rotation.period_hours,
    )


def _covers(rotation: Rotation, start: datetime, end: datetime) -> list[schedule_maths.Cover[User]]:
    prefetched = getattr(rotation, "live_overrides", None)
    if prefetched is None:
        prefetched = list(
            Override.objects.filter(rotation=rotation, cancelled_at=None, starts_at__lt=end, ends_at__gt=start)
            .select_related("user")
            .order_by("starts_at", "pk")
        )
    return [
        schedule_maths.Cover(who=o.user, starts_at=o.starts_at, ends_at=o.ends_at)
        for o in prefetched
        if o.starts_at < end and o.ends_at > start
    ]


def on_call(rotation: Rotation, at: datetime) -> User | None:
    """Who is on call in a rotation at an instant: an override wins over the turn; None for an empty or archived
    rotation, or before it starts."""
    if rotation.archived_at is not None and rotation.archived_at <= at:
        return None
    return schedule_maths.on_call_at(schedule_of(rotation), _covers(rotation, at, at + timedelta(microseconds=1)), at)


def shifts(rotation: Rotation, start: datetime, end: datetime) -> list[Shift[User]]:
    """The rotation's shifts from start to end, overrides cut in."""
    return schedule_maths.shifts_between(schedule_of(rotation), _covers(rotation, start, end), start, end)


def whole_shifts(rotation: Rotation, start: datetime, end: datetime) -> list[Shift[User]]:
    """The rotation's shifts that overlap start to end, overrides cut in, each whole: the one under way at start
    from its real beginning, the one running at end to its real end (not cut at the edges, as shifts() does)."""
    schedule = schedule_of(rotation)
    begin, finish = schedule_maths.whole_span(schedule, _covers(rotation, start, end), start, end)
    found = schedule_maths.shifts_between(schedule, _covers(rotation, begin, finish), begin, finish)
    return [shift for shift in found if shift.ends_at > start and shift.starts_at < end]


def rotations_with_schedule(now: datetime | None = None) -> Any:
    """Current rotations with their members and the overrides around now, ready for on_call() without more queries."""
    now = _now(now)
    live = Override.objects.filter(cancelled_at=None, ends_at__gt=now - timedelta(days=1)).select_related("user")
    return (
        Rotation.objects.filter(archived_at=None, team__archived_at=None)
        .select_related("team")
        .prefetch_related(
            Prefetch("members", queryset=RotationMember.objects.select_related("user").order_by("position")),
            Prefetch("overrides", queryset=live.order_by("starts_at", "pk"), to_attr="live_overrides"),
        )
        .order_by("team__name", "name")
    )


@dataclass(frozen=True)
class OnCallNow:
    rotation: Rotation
    who: User | None
    until: datetime | None


def on_call_now(now: datetime | None = None) -> list[tuple[Team, list[OnCallNow]]]:
    """Who is on call right now in every current rotation, grouped by team (for everyone, support included)."""
    now = _now(now)
    grouped: dict[int, tuple[Team, list[OnCallNow]]] = {}
    for rotation in rotations_with_schedule(now):
        who = on_call(rotation, now)
        until = _until(rotation, now)
        grouped.setdefault(rotation.team_id, (rotation.team, []))[1].append(OnCallNow(rotation, who, until))
    return list(grouped.values())


def _until(rotation: Rotation, now: datetime) -> datetime | None:
    """When the person on call now stops being on call (within the next 8 weeks)."""
    for shift in shifts(rotation, now, now + timedelta(weeks=FEED_WEEKS)):
        if shift.starts_at <= now < shift.ends_at:
            return shift.ends_at
    return None


# --- Rotations ----------------------------------------------------------------------------------------------------


@dataclass
class RotationInput:
    """What a person fills in for a rotation; members in turn order."""

    name: str
    period: str
    handoff_time: time | None
    timezone: str
    starts_on: date | None
    members: Sequence[User]
    period_hours: int | None = None


def _clean_rotation(data: RotationInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        name = _clean_name(data.name)
    except ValidationError as error:
        errors.update(error.message_dict)  # type: ignore[arg-type]
        name = ""
    if data.period not in RotationPeriod.values:
        errors["period"] = "Choose every day, every week, or every few hours."
    hours = data.period_hours
    if data.period == RotationPeriod.CUSTOM:
        if hours is None or not 1 <= hours <= schedule_maths.MAX_PERIOD_HOURS:
            errors["period_hours"] = (
                f"For a custom period give the shift length in hours, from 1 to {schedule_maths.MAX_PERIOD_HOURS}."
            )
    else:
        hours = None
    zone = (data.timezone or "").strip()
    if zone not in time_zone_names():
        errors["timezone"] = "Choose a time zone from the list, such as Europe/Berlin."
    if data.handoff_time is None:
        errors["handoff_time"] = "Give the time of day the shift changes hands, such as 09:00."
    if data.starts_on is None:
        errors["starts_on"] = "Give the day the first shift starts."
    elif not 2000 <= data.starts_on.year <= 2100:
        errors["starts_on"] = "Give a start day between the years 2000 and 2100."
    members = list(data.members)
    if not members:
        errors["members"] = "Add at least one person: a rotation with nobody in it cannot be on call."
    elif len(members) > MAX_MEMBERS:
        errors["members"] = f"A rotation can have at most {MAX_MEMBERS} people."
    elif len({m.pk for m in members}) != len(members):
        errors["members"] = "Each person can appear only once in a rotation."
    elif any(not m.is_active for m in members):
        errors["members"] = "Someone in the list can no longer sign in; take them out."
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "period": data.period,
        "period_hours": hours,
        "handoff_time": data.handoff_time,
        "timezone": zone,
        "starts_on": data.starts_on,
    }


def _rotation_snapshot(rotation: Rotation) -> dict[str, Any]:
    snap = audit.snapshot(
        rotation, ["team", "name", "period", "period_hours", "handoff_time", "timezone", "starts_on", "archived_at"]
    )
    snap["members"] = list(rotation.members.order_by("position").values_list("user_id", flat=True))
    return snap


def _set_members(rotation: Rotation, members: Sequence[User]) -> None:
    rotation.members.all().delete()
    RotationMember.objects.bulk_create(
        RotationMember(rotation=rotation, user=user, position=index) for index, user in enumerate(members)
    )


def create_rotation(*, actor: Actor, team: Team, data: RotationInput) -> Rotation:
    """Add a rotation to a team: its members take turns from the first hand-off on the start day."""
    _require(permissions.can_manage_oncall(actor.user, team), "Only the team's operators can change its on-call.")
    fields = _clean_rotation(data)
    with transaction.atomic():
        rotation = Rotation.objects.create(team=team, created_by=actor.user, **fields)
        _set_members(rotation, data.members)
        audit.record(actor=actor, action="rotation.create", obj=rotation, after=_rotation_snapshot(rotation))
    return rotation


def update_rotation(*, actor: Actor, rotation: Rotation, data: RotationInput) -> Rotation:
    """Change a rotation's name, period, hand-off, zone, start day or members (their order is the turn order)."""
    _require(
        permissions.can_manage_oncall(actor.user, rotation.team), "Only the team's operators can change its on-call."
    )
    fields = _clean_rotation(data)
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
        if rotation.archived_at is not None:
            raise ValidationError("This rotation is archived and can no longer be changed.")
        before = _rotation_snapshot(rotation)
        for key, value in fields.items():
            setattr(rotation, key, value)
        rotation.save()
        _set_members(rotation, data.members)
        audit.record(
            actor=actor, action="rotation.update", obj=rotation, before=before, after=_rotation_snapshot(rotation)
        )
    return rotation


def archive_rotation(*, actor: Actor, rotation: Rotation) -> Rotation:
    """Stop using a rotation. Escalation steps that name it must be changed first."""
    _require(
        permissions.can_manage_oncall(actor.user, rotation.team), "Only the team's operators can change its on-call."
    )
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
        if rotation.archived_at is not None:
            return rotation
        used = EscalationStep.objects.filter(rotation=rotation, policy__archived_at=None).select_related("policy")
        names = sorted({step.policy.name for step in used})
        if names:
            raise ValidationError(
                f"Escalation policies still page this rotation: {', '.join(names)}. Change them first."
            )
        before = _rotation_snapshot(rotation)
        rotation.archived_at = django_timezone.now()
        rotation.feed_token_hash = ""
        rotation.save(update_fields=["archived_at", "feed_token_hash"])
        audit.record(
            actor=actor, action="rotation.archive", obj=rotation, before=before, after=_rotation_snapshot(rotation)
        )
    return rotation


# --- Overrides ----------------------------------------------------------------------------------------------------


def create_override(
    *, actor: Actor, rotation: Rotation, user: User, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> Override:
    """Let someone cover a rotation from starts_at to ends_at; during that time they are on call, whoever's turn."""
    _require(
        permissions.can_manage_oncall(actor.user, rotation.team), "Only the team's operators can change its on-call."
    )
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if len(reason) > OVERRIDE_REASON_MAX:
        errors["reason"] = f"The reason is longer than {OVERRIDE_REASON_MAX} characters."
    elif has_control_characters(reason):
        errors["reason"] = "The reason contains control characters; use plain text."
    if ends_at <= starts_at:
        errors["ends_at"] = "The cover must end after it starts."
    elif ends_at - starts_at > timedelta(days=MAX_OVERRIDE_DAYS):
        errors["ends_at"] = f"A cover can last at most {MAX_OVERRIDE_DAYS} days; change the rotation instead."
    if not user.is_active:
        errors["user"] = "This person can no longer sign in."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
        if rotation.archived_at is not None:
            raise ValidationError("This rotation is archived.")
        override = Override.objects.create(
            rotation=rotation, user=user, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor.user
        )
        audit.record(
            actor=actor,
            action="override.create",
            obj=override,
            after=audit.snapshot(override, ["rotation", "user", "starts_at", "ends_at", "reason"]),
        )
    return override


def cancel_override(*, actor: Actor, override: Override) -> Override:
    """Take a cover back; the turn order applies again. Kept in the history."""
    _require(
        permissions.can_manage_oncall(actor.user, override.rotation.team),
        "Only the team's operators can change its on-call.",
    )
    with transaction.atomic():
        override = Override.objects.select_for_update().get(pk=override.pk)
        if override.cancelled_at is None:
            override.cancelled_at = django_timezone.now()
            override.save(update_fields=["cancelled_at"])
            audit.record(actor=actor, action="override.cancel", obj=override, after={"cancelled": True})
    return override


# --- Escalation policies ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """One step as filled in: a person or a rotation (exactly one), and the minutes to wait for an answer."""

    wait_minutes: int | None
    user: User | None = None
    rotation: Rotation | None = None


def _clean_policy(name: str, repeat: int | None, steps: Sequence[StepInput], team: Team) -> tuple[str, int]:
    errors: dict[str, str] = {}
    try:
        name = _clean_name(name)
    except ValidationError as error:
        errors.update(error.message_dict)  # type: ignore[arg-type]
    if repeat is None or not 0 <= repeat <= MAX_REPEAT:
        errors["repeat"] = f"Repeat the steps 0 to {MAX_REPEAT} times."
    if not steps:
        errors["steps"] = "Add at least one step: who to page first, and how long to wait for an answer."
    elif len(steps) > MAX_STEPS:
        errors["steps"] = f"A policy can have at most {MAX_STEPS} steps."
    for number, step in enumerate(steps, start=1):
        if (step.user is None) == (step.rotation is None):
            errors.setdefault("steps", f"Step {number}: choose one person or one rotation.")
        elif step.user is not None and not step.user.is_active:
            errors.setdefault("steps", f"Step {number}: {step.user} can no longer sign in.")
        elif step.rotation is not None and step.rotation.archived_at is not None:
            errors.setdefault("steps", f"Step {number}: the rotation {step.rotation.name} is archived.")
        if step.wait_minutes is None or not 1 <= step.wait_minutes <= MAX_WAIT_MINUTES:
            errors.setdefault(
                "steps", f"Step {number}: wait from 1 to {MAX_WAIT_MINUTES} minutes (24 hours) for an answer."
            )
    if errors:
        raise ValidationError(errors)
    assert repeat is not None
    return name, repeat


def _policy_snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    snap = audit.snapshot(policy, ["team", "name", "repeat", "is_default", "archived_at"])
    snap["steps"] = [
        {"user": s.user_id, "rotation": s.rotation_id, "wait_minutes": s.wait_minutes}
        for s in policy.steps.order_by("position")
    ]
    return snap


def _save_steps(policy: EscalationPolicy, steps: Sequence[StepInput]) -> None:
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create(
        EscalationStep(policy=policy, position=i, user=s.user, rotation=s.rotation, wait_minutes=s.wait_minutes or 1)
        for i, s in enumerate(steps)
    )


def _make_default(policy: EscalationPolicy) -> None:
    # Cleared first so the one-default-per-team constraint holds at every statement.
    EscalationPolicy.objects.filter(team=policy.team_id, is_default=True).exclude(pk=policy.pk).update(is_default=False)


def create_policy(
    *, actor: Actor, team: Team, name: str, repeat: int | None, steps: Sequence[StepInput], is_default: bool = False
) -> EscalationPolicy:
    """Add an escalation policy to a team. The team's default policy is the one incidents page."""
    _require(permissions.can_manage_oncall(actor.user, team), "Only the team's operators can change its on-call.")
    name, repeat = _clean_policy(name, repeat, steps, team)
    with transaction.atomic():
        policy = EscalationPolicy(team=team, name=name, repeat=repeat, is_default=False, created_by=actor.user)
        policy.save()
        if is_default or not EscalationPolicy.objects.filter(team=team, is_default=True, archived_at=None).exists():
            _make_default(policy)
            policy.is_default = True
            policy.save(update_fields=["is_default"])
        _save_steps(policy, steps)
        audit.record(actor=actor, action="escalation_policy.create", obj=policy, after=_policy_snapshot(policy))
    return policy


def update_policy(
    *,
    actor: Actor,
    policy: EscalationPolicy,
    name: str,
    repeat: int | None,
    steps: Sequence[StepInput],
    is_default: bool,
) -> EscalationPolicy:
    """Change a policy's name, repeats, steps, or make it the team's default. Pages under way keep going with the
    new steps from their current position."""
    _require(
        permissions.can_manage_oncall(actor.user, policy.team), "Only the team's operators can change its on-call."
    )
    name, repeat = _clean_policy(name, repeat, steps, policy.team)
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
        if policy.archived_at is not None:
            raise ValidationError("This policy is archived and can no longer be changed.")
        before = _policy_snapshot(policy)
        policy.name, policy.repeat = name, repeat
        if is_default and not policy.is_default:
            _make_default(policy)
            policy.is_default = True
        policy.save()
        _save_steps(policy, steps)
        audit.record(
            actor=actor,
            action="escalation_policy.update",
            obj=policy,
            before=before,
            after=_policy_snapshot(policy),
        )
    return policy


def archive_policy(*, actor: Actor, policy: EscalationPolicy) -> EscalationPolicy:
    """Stop using a policy. Pages already under way finish with it."""
    _require(
        permissions.can_manage_oncall(actor.user, policy.team), "Only the team's operators can change its on-call."
    )
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
        if policy.archived_at is None:
            before = _policy_snapshot(policy)
            policy.archived_at = django_timezone.now()
            policy.is_default = False
            policy.save(update_fields=["archived_at", "is_default"])
            audit.record(
                actor=actor,
                action="escalation_policy.archive",
                obj=policy,
                before=before,
                after=_policy_snapshot(policy),
            )
    return policy


def default_policy(team: Team | None) -> EscalationPolicy | None:
    if team is None:
        return None
    return EscalationPolicy.objects.filter(team=team, is_default=True, archived_at=None).first()


# --- Paging -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    user: User | None
    rotation: Rotation | None
    wait_minutes: int

    @property
    def label(self) -> str:
        if self.rotation is not None:
            return f"whoever is on call in {self.rotation.name}"
        return str(self.user)


def page_steps(page: Page) -> list[_Step]:
    """The steps a page runs through: its policy's, or one step for a page sent straight to a person."""
    if page.policy_id is None:
        return [_Step(user=page.target_user, rotation=None, wait_minutes=DIRECT_WAIT_MINUTES)]
    assert page.policy is not None
    steps = page.policy.steps.select_related("user", "rotation").order_by("position")
    return [_Step(user=s.user, rotation=s.rotation, wait_minutes=s.wait_minutes) for s in steps]


def page_repeat(page: Page) -> int:
    return DIRECT_REPEAT if page.policy is None else page.policy.repeat


def _owning_team(incident: Incident | None, signal: Signal | None) -> Team | None:
    service = None
    if incident is not None:
        service = incident.services.select_related("owner").order_by("pk").first()
    if service is None and signal is not None and signal.service_id is not None:
        service = signal.service
    return service.owner if service is not None else None


def _policy_for(incident: Incident | None, signal: Signal | None) -> EscalationPolicy | None:
    policy = default_policy(_owning_team(incident, signal))
    if policy is None:
        policy = (
            EscalationPolicy.objects.filter(
                is_default=True, archived_at=None, team__is_operations=True, team__archived_at=None
            )
            .select_related("team")
            .order_by("team__name")
            .first()
        )
    return policy


def _timeline(page: Page, text: str, actor: User | None = None) -> None:
    if page.incident_id is None:
        return
    from steadyops.incidents import incident_services

    assert page.incident is not None
    incident_services.add_timeline(incident=page.incident, kind="page", text=text, actor=actor)


def _what(page: Page) -> str:
    if page.incident_id is not None:
        assert page.incident is not None
        return f"{page.incident.key}: {page.incident.title}"
    if page.signal_id is not None:
        assert page.signal is not None
        return f"Reported problem: {page.signal.title}"
    return page.reason


def detail_url(page: Page) -> str:
    return settings.SITE_URL + reverse("incidents_oncall_page_detail", kwargs={"pk": page.pk})


def signed_link(page: Page, action: str, user: User, *, now: datetime | None = None) -> str:
    """An absolute link that lets user acknowledge or resolve page without signing in, for 24 hours.

    The signature is the authority: it names the page, the person and the action, and a random nonce that makes
    each link usable once for resolving.
    """
    if action not in LINK_ACTIONS:
        raise ValueError(f"Unknown page action {action!r}.")
    expires = int((_now(now) + LINK_MAX_AGE).timestamp())
    token = signing.dumps(
        {"p": page.pk, "u": user.pk, "a": action, "n": secrets.token_hex(12), "e": expires}, salt=LINK_SALT
    )
    return settings.SITE_URL + reverse("incidents_page_action", kwargs={"action": action, "token": token})


def _notify(page: Page, user: User, step_number: int, now: datetime) -> None:
    what = _what(page)
    acknowledge_link = signed_link(page, ACKNOWLEDGE, user, now=now)
    resolve_link = signed_link(page, RESOLVE, user, now=now)
    body = (
        f"You are being paged: {what}\n\n"
        f"Why: {page.reason}\n\n"
        f"I'm on it (stops the paging): {acknowledge_link}\n"
        f"Resolved: {resolve_link}\n\n"
        f"Details: {detail_url(page)}\n\n"
        f"If nobody answers, the next person is paged. The links work for 24 hours."
    )
    notify_user(
        user=user,
        event="incident.page",
        subject=f"Page: {what}"[:200],
        body=body,
        payload={
            "page": page.pk,
            "incident": page.incident.key if page.incident is not None else None,
            "acknowledge_url": acknowledge_link,
            "resolve_url": resolve_link,
            "step": step_number,
        },
        urgent=True,
    )


def _move_on(page: Page, steps: Sequence[_Step]) -> None:
    page.step_index += 1
    if page.step_index >= len(steps):
        page.step_index = 0
        page.round += 1


def _operators_of(team: Team | None) -> list[User]:
    people = User.objects.filter(is_active=True, role__in=[Role.OPERATOR, Role.ADMIN])
    if team is not None:
        in_team = list(people.filter(memberships__team=team).distinct().order_by("username"))
        if in_team:
            return in_team
    return list(people.filter(role=Role.ADMIN).order_by("username"))


def _exhaust(page: Page, now: datetime) -> None:
    page.state = PageState.EXHAUSTED
    page.exhausted_at = now
    page.next_step_at = None
    rounds = page_repeat(page) + 1
    told = _operators_of(page.team)
    for person in told:
        notify_user(
            user=person,
            event="incident.page_exhausted",
            subject=f"Nobody answered the page: {_what(page)}"[:200],
            body=(
                f"Nobody acknowledged the page after {rounds} round(s) of escalation.\n\n"
                f"What: {_what(page)}\nWhy: {page.reason}\n\nPlease look now: {detail_url(page)}"
            ),
            payload={"page": page.pk},
            urgent=True,
        )
    names = ", ".join(str(person) for person in told) or "nobody (no operators found)"
    _timeline(page, f"Nobody answered the page after {rounds} round(s); told {names}.")


def _fire(page: Page, steps: Sequence[_Step], now: datetime) -> None:
    """Notify the page's current step and set when the next is due; steps that reach nobody are passed over at
    once, and after the last round the page is exhausted."""
    repeat = page_repeat(page)
    for _ in range(len(steps) * (repeat + 1) + 1):
        if not steps or page.round > repeat:
            _exhaust(page, now)
            return
        step = steps[page.step_index]
        recipient = step.user if step.rotation is None else on_call(step.rotation, now)
        if recipient is not None and recipient.is_active:
            _notify(page, recipient, page.step_index + 1, now)
            PageNotification.objects.create(
                page=page, user=recipient, step_index=page.step_index, round=page.round, at=now
            )
            page.next_step_at = now + timedelta(minutes=step.wait_minutes)
            _timeline(page, f"Paged {recipient} (step {page.step_index + 1}, round {page.round + 1}).")
            return
        note = f"Nobody is on call in {step.rotation.name}" if step.rotation else "The person can no longer sign in"
        PageNotification.objects.create(
            page=page, user=None, step_index=page.step_index, round=page.round, note=note[:200], at=now
        )
        _move_on(page, steps)
    _exhaust(page, now)


def start_paging(
    *,
    incident: Incident | None = None,
    signal: Signal | None = None,
    reason: str,
    policy: EscalationPolicy | None = None,
    user: User | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> Page | None:
    """Page on-call about an incident or a signal. Call it inside the caller's transaction.

    Uses the given policy (or person), else the default policy of the team owning the first service, else of the
    first operations team that has one. Creates the durable Page row and sends the first step's notifications
    (urgent, with signed acknowledge/resolve links); the worker runs later steps. Returns None when no policy
    applies, and says so on the incident's timeline.
    """
    now = _now(now)
    reason = (reason or "").strip()[:REASON_MAX] or "On-call is needed."
    if policy is None and user is None:
        policy = _policy_for(incident, signal)
    if policy is None and user is None:
        log.warning("nobody paged for %s: no team has a default escalation policy", incident or signal)
        if incident is not None:
            from steadyops.incidents import incident_services

            incident_services.add_timeline(
                incident=incident,
                kind="page",
                text="Nobody was paged: no team has a default escalation policy. Set one up under On-call.",
            )
        return None
    with transaction.atomic():
        page = Page.objects.create(
            incident=incident,
            signal=signal,
            policy=policy,
            team=policy.team if policy is not None else None,
            target_user=user if policy is None else None,
            reason=reason,
            created_by=actor.user if actor is not None else None,
            created_at=now,
        )
        _fire(page, page_steps(page), now)
        page.save()
        audit.record(
            actor=actor or Actor.system_actor("on-call"),
            action="page.start",
            obj=page,
            after=audit.snapshot(page, ["incident", "signal", "policy", "target_user", "reason", "state"]),
        )
    return page


def page_now(
    *,
    actor: Actor,
    reason: str,
    policy: EscalationPolicy | None = None,
    user: User | None = None,
    incident: Incident | None = None,
) -> Page:
    """Page a policy or one person right now, by hand (operators)."""
    _require(permissions.can_triage_signals(actor.user), "Only operators can page someone.")
    errors: dict[str, str] = {}
    cleaned = (reason or "").strip()
    if not cleaned:
        errors["reason"] = "Say in a few words why you are paging, so the person knows what to expect."
    elif len(cleaned) > REASON_MAX:
        errors["reason"] = f"The reason is longer than {REASON_MAX} characters."
    elif has_control_characters(cleaned):
        errors["reason"] = "The reason contains control characters; use plain text."
    if (policy is None) == (user is None):
        errors["target"] = "Choose an escalation policy or one person to page."
    elif policy is not None and policy.archived_at is not None:
        errors["target"] = "This escalation policy is archived."
    elif user is not None and not user.is_active:
        errors["target"] = "This person can no longer sign in."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        page = start_paging(incident=incident, reason=cleaned, policy=policy, user=user, actor=actor)
    assert page is not None
    return page


class PageAlreadyClosed(Exception):
    """The page was already acknowledged or resolved (by this person or someone else)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        by = page.resolved_by if page.state == PageState.RESOLVED else page.acknowledged_by
        who = f" by {by}" if by is not None else ""
        super().__init__(f"This is already done: the page was {PageState(page.state).label.lower()}{who}.")


def acknowledge_page(*, page: Page, user: User, via: str = "page", now: datetime | None = None) -> Page:
    """Someone is on it: the escalation stops, the incident records its acknowledgement.

    Raises PageAlreadyClosed when the page was already acknowledged or resolved.
    """
    now = _now(now)
    with transaction.atomic():
        changed = Page.objects.filter(pk=page.pk, state__in=[PageState.ACTIVE, PageState.EXHAUSTED]).update(
            state=PageState.ACKNOWLEDGED,
            acknowledged_by=user,
            acknowledged_at=now,
            next_step_at=None,
            lease_owner="",
            lease_expires_at=None,
        )
        page.refresh_from_db()
        if not changed:
            raise PageAlreadyClosed(page)
        audit.record(
            actor=Actor(user=user, system=via), action="page.acknowledge", obj=page, after={"state": page.state}
        )
        if page.incident is not None:
            from steadyops.incidents import incident_services

            # The incident's own timeline entry says who acknowledged it and how.
            incident_services.acknowledge(incident=page.incident, user=user, via="page")
    return page


def still_open(page: Page) -> str:
    """After a page is resolved, what is left to do: its incident, when still open, is resolved on its own page
    (with its update for everyone), not by resolving the page. Empty when nothing is left."""
    if page.incident is None or not page.incident.is_open:
        return ""
    return f"{page.incident.key} is still open: resolve it on its page once customers are fine."


def resolve_page(*, page: Page, user: User, via: str = "page", now: datetime | None = None) -> Page:
    """The problem behind the page is resolved: the escalation stops for good.

    Raises PageAlreadyClosed when the page was already resolved.
    """
    now = _now(now)
    with transaction.atomic():
        changed = (
            Page.objects.filter(pk=page.pk)
            .exclude(state=PageState.RESOLVED)
            .update(
                state=PageState.RESOLVED,
                resolved_by=user,
                resolved_at=now,
                next_step_at=None,
                lease_owner="",
                lease_expires_at=None,
            )
        )
        page.refresh_from_db()
        if not changed:
            raise PageAlreadyClosed(page)
        audit.record(actor=Actor(user=user, system=via), action="page.resolve", obj=page, after={"state": page.state})
        _timeline(page, f"{user} marked the page resolved.", actor=user)
    return page


# --- Signed links -------------------------------------------------------------------------------------------------


class LinkProblem(Exception):
    """A page link that cannot be used; status is the HTTP status its page answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class LinkInvalid(LinkProblem):
    status = 404


class LinkExpired(LinkProblem):
    status = 410


class LinkWrongAction(LinkProblem):
    status = 400


@dataclass(frozen=True)
class PageLink:
    page: Page
    user: User
    action: str
    nonce: str


def read_link(token: str, action: str, *, now: datetime | None = None) -> PageLink:
    """Check a signed page link; raises LinkInvalid (forged, tampered, unknown), LinkExpired or LinkWrongAction."""
    invalid = LinkInvalid(
        "This link is not valid. It may have been cut short or changed. Use the link from the message exactly, "
        "or open the page in steadyops."
    )
    if len(token) > 500:
        raise invalid
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("p", "u", "e")):
        raise invalid
    if data.get("a") not in LINK_ACTIONS or not isinstance(data.get("n"), str):
        raise invalid
    if data["a"] != action:
        raise LinkWrongAction(
            "This link is for a different action than the address says. Use the link from the message exactly."
        )
    page = Page.objects.select_related("incident", "signal", "policy").filter(pk=data["p"]).first()
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if page is None or user is None:
        raise invalid
    if _now(now).timestamp() > data["e"]:
        raise LinkExpired(
            "This link has expired: page links work for 24 hours. Open the page in steadyops to acknowledge or "
            "resolve it there."
        )
    return PageLink(page=page, user=user, action=data["a"], nonce=data["n"][:32])


def use_link(link: PageLink, *, now: datetime | None = None) -> Page:
    """Do what a checked link says. Each link works once; raises PageAlreadyClosed when it (or the page) is done."""
    now = _now(now)
    with transaction.atomic():
        locked = Page.objects.all()
        if connection.vendor == "postgresql":
            locked = locked.select_for_update(of=("self",))
        page = locked.select_related("incident", "signal", "policy").get(pk=link.page.pk)
        if PageLinkUse.objects.filter(nonce=link.nonce).exists():
            raise PageAlreadyClosed(page)
        PageLinkUse.objects.create(page=page, user=link.user, action=link.action, nonce=link.nonce, used_at=now)
        if link.action == ACKNOWLEDGE:
            return acknowledge_page(page=page, user=link.user, via="signed link", now=now)
        return resolve_page(page=page, user=link.user, via="signed link", now=now)


# --- The escalation worker ----------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    lease_free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    return Q(state=PageState.ACTIVE, next_step_at__lte=now) & lease_free


def claim_due_pages(*, worker: str, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[tuple[int, str]]:
    """Lease up to limit due pages to this worker: (page id, lease owner) pairs, the most overdue first."""
    now = _now(now)
    owner = f"{worker[:80]}/{uuid.uuid4().hex[:16]}"
    with transaction.atomic():
        candidates = Page.objects.filter(_due(now)).order_by("next_step_at", "pk")
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The condition is repeated in the UPDATE, so two workers can never both hold a page's lease.
        Page.objects.filter(_due(now), pk__in=ids).update(lease_owner=owner, lease_expires_at=now + LEASE)
    return [
        (pk, owner)
        for pk in Page.objects.filter(lease_owner=owner).order_by("next_step_at", "pk").values_list("pk", flat=True)
    ]


class _LeaseLost(Exception):
    pass


def advance_page(page_id: int, owner: str, *, now: datetime | None = None) -> bool:
    """Run the next step of a page this worker holds the lease of; False (and nothing written) when the lease was
    lost meanwhile or the page was acknowledged or resolved."""
    now = _now(now)
    try:
        with transaction.atomic():
            rows = Page.objects.filter(pk=page_id, lease_owner=owner, state=PageState.ACTIVE)
            if connection.vendor == "postgresql":
                rows = rows.select_for_update(of=("self",))
            page = rows.select_related("policy", "team", "incident", "signal", "target_user").first()
            if page is None:
                return False
            steps = page_steps(page)
            _move_on(page, steps)
            _fire(page, steps, now)
            written = Page.objects.filter(pk=page.pk, lease_owner=owner, state=PageState.ACTIVE).update(
                step_index=page.step_index,
                round=page.round,
                next_step_at=page.next_step_at,
                state=page.state,
                exhausted_at=page.exhausted_at,
                lease_owner="",
                lease_expires_at=None,
            )
            if written != 1:
                raise _LeaseLost
    except _LeaseLost:
        return False
    return True


def run_due_pages(now: datetime | None = None, *, worker: str = "oncall") -> int:
    """Advance every page whose next step is due; returns how many steps were run. Safe with several workers."""
    advanced = 0
    # Bounded so a flood of pages cannot keep a worker loop from its other duties forever.
    for _ in range(100):
        claimed = claim_due_pages(worker=worker, now=now)
        if not claimed:
            break
        for page_id, owner in claimed:
            try:
                advanced += advance_page(page_id, owner, now=now)
            except Exception:
                # The lease expires and another pass tries again; one broken page must not stop the others.
                log.exception("escalation step of page %s failed", page_id)
    return advanced


# --- Calendar feeds -----------------------------------------------------------------------------------------------


def create_rotation_feed(*, actor: Actor, rotation: Rotation) -> str:
    """Make (or replace) the rotation's private calendar address; returns the secret, shown only this once."""
    _require(
        permissions.can_manage_oncall(actor.user, rotation.team), "Only the team's operators can change its on-call."
    )
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
        if rotation.archived_at is not None:
            raise ValidationError("This rotation is archived.")
        replaced = bool(rotation.feed_token_hash)
        rotation.feed_token_hash, rotation.feed_hint = hash_token(raw), raw[: len(FEED_PREFIX) + 4]
        rotation.save(update_fields=["feed_token_hash", "feed_hint"])
        audit.record(
            actor=actor,
            action="rotation.feed",
            obj=rotation,
            after={"hint": rotation.feed_hint, "replaced_previous": replaced},
        )
    return raw


def revoke_rotation_feed(*, actor: Actor, rotation: Rotation) -> Rotation:
    """Stop the rotation's calendar address from working."""
    _require(
        permissions.can_manage_oncall(actor.user, rotation.team), "Only the team's operators can change its on-call."
    )
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
        if rotation.feed_token_hash:
            rotation.feed_token_hash, rotation.feed_hint = "", ""
            rotation.save(update_fields=["feed_token_hash", "feed_hint"])
            audit.record(actor=actor, action="rotation.feed_revoke", obj=rotation, after={"revoked": True})
    return rotation


def rotation_for_feed(raw: str) -> Rotation | None:
    """The current rotation a calendar address's secret belongs to, or None."""
    if not raw.startswith(FEED_PREFIX) or len(raw) > 100:
        return None
    return (
        Rotation.objects.select_related("team")
        .filter(feed_token_hash=hash_token(raw), archived_at=None)
        .exclude(feed_token_hash="")
        .first()
    )


def shifts_of_person(user: User, start: datetime, end: datetime) -> list[tuple[Rotation, Shift[User]]]:
    """A person's own shifts in every current rotation (as a member or through overrides), in time order."""
    rotations = (
        rotations_with_schedule(start)
        .filter(Q(members__user=user) | Q(overrides__user=user, overrides__cancelled_at=None))
        .distinct()
    )
    found: list[tuple[Rotation, Shift[User]]] = []
    for rotation in rotations:
        found += [(rotation, s) for s in shifts(rotation, start, end) if s.who.pk == user.pk]
    return sorted(found, key=lambda pair: pair[1].starts_at)


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """From the start of today (UTC) to 8 weeks ahead: what the calendar exports show."""
    now = _now(now).astimezone(UTC)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(weeks=FEED_WEEKS)


def teams_managed_by(user: User) -> list[Team]:
    """The current teams whose on-call this person may change."""
    teams = Team.objects.filter(archived_at=None).order_by("name")
    if permissions.is_admin(user):
        return list(teams)
    return [team for team in teams.filter(memberships__user=user) if permissions.can_manage_oncall(user, team)]


def people() -> Iterable[User]:
    return User.objects.filter(is_active=True).order_by("username")
