"""Triage: what the panic button and the alerts brought in becomes an incident, joins one, or is declined with a
kind note to the people who pressed the button. And how helpful the presses were, per team, never per person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from steadyops.catalog.models import Service
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.incidents.models import (
    DeclineReason,
    Incident,
    IncidentStatus,
    Report,
    Severity,
    Signal,
    SignalStatus,
)
from steadyops.notify.services import notify_user

TITLE_MAX = 200
NOTE_MAX = 2000
DEFAULT_HOURLY_COST = 60
# Reading and deciding takes a few minutes even when it is quick; a press that waited unseen in the queue
# overnight did not cost anyone those hours.
COST_MINUTES_MIN = 5
COST_MINUTES_MAX = 60
SIGNAL_FIELDS = ["status", "incident", "decline_reason", "decline_note", "declined_by", "declined_at"]
HELPFUL = (SignalStatus.ACCEPTED, SignalStatus.MERGED, SignalStatus.RESOLVED)


class AlreadyTriaged(Exception):
    """Someone decided about this signal already (two operators pressed at once, or a page was sent twice)."""

    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        status = SignalStatus(signal.status).label.lower()
        super().__init__(f"Someone already decided about this: it is now “{status}”. Nothing was changed.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _locked_open_signal(signal: Signal) -> Signal:
    """The signal's current row, locked until the transaction ends, if nobody has decided about it yet."""
    current = Signal.objects.select_for_update().get(pk=signal.pk)
    if current.status not in (SignalStatus.OPEN, SignalStatus.PAGED):
        raise AlreadyTriaged(current)
    return current


def accept(*, actor: Actor, signal: Signal, title: str, severity: int, services: Iterable[Service] = ()) -> Incident:
    """Turn a signal into a new incident: declared with the signal attached, its reporters subscribed, on-call
    paged for SEV1 and SEV2 unless the signal paged already."""
    from steadyops.incidents import incident_services

    _require(permissions.can_triage_signals(actor.user), "Only operators can accept reports as incidents.")
    title = title.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Give the incident a title."]
    elif len(title) > TITLE_MAX or has_control_characters(title):
        errors["title"] = [f"Keep the title to one line of at most {TITLE_MAX} characters."]
    if severity not in Severity.values:
        errors["severity"] = ["Choose a severity from SEV1 to SEV4."]
    chosen = list(services)
    if any(service.archived_at is not None for service in chosen):
        errors["services"] = ["An archived service cannot be affected by a new incident."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked_open_signal(signal)
        before = audit.snapshot(current, SIGNAL_FIELDS)
        incident = incident_services.declare_incident(
            actor=actor,
            title=title,
            severity=severity,
            services=chosen,
            product_area=current.product_area,
            signal=current,
        )
        current.refresh_from_db()
        audit.record(
            actor=actor,
            action="signal.accept",
            obj=current,
            before=before,
            after=audit.snapshot(current, SIGNAL_FIELDS),
        )
    signal.refresh_from_db()
    return incident


def merge(*, actor: Actor, signal: Signal, incident: Incident) -> None:
    """Add a signal to an incident that is still open: its reporters follow that incident from now on."""
    from steadyops.incidents import incident_services

    _require(permissions.can_triage_signals(actor.user), "Only operators can add reports to an incident.")
    with transaction.atomic():
        target = Incident.objects.select_for_update().get(pk=incident.pk)
        if target.status == IncidentStatus.RESOLVED:
            raise ValidationError(
                {"incident": [f"{target.key} is resolved. Accept this as a new incident, or reopen {target.key}."]}
            )
        current = _locked_open_signal(signal)
        before = audit.snapshot(current, SIGNAL_FIELDS)
        incident_services.attach_signal(actor=actor, incident=target, signal=current)
        current.refresh_from_db()
        audit.record(
            actor=actor, action="signal.merge", obj=current, before=before, after=audit.snapshot(current, SIGNAL_FIELDS)
        )
    signal.refresh_from_db()


def decline(*, actor: Actor, signal: Signal, reason: str, note: str = "") -> None:
    """Close a signal that is not an incident, with a reason; each reporter gets a kind note in plain words."""
    _require(permissions.can_triage_signals(actor.user), "Only operators can decline reports.")
    note = note.strip()
    errors: dict[str, list[str]] = {}
    if reason not in DeclineReason.values:
        errors["reason"] = ["Choose a reason: the people who pressed the button are told it."]
    if len(note) > NOTE_MAX or "\x00" in note:
        errors["note"] = [f"Keep the note under {NOTE_MAX} characters of plain text."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked_open_signal(signal)
        before = audit.snapshot(current, SIGNAL_FIELDS)
        current.status = SignalStatus.DECLINED
        current.decline_reason = reason
        current.decline_note = note
        current.declined_by = actor.user
        current.declined_at = timezone.now()
        current.save(update_fields=["status", "decline_reason", "decline_note", "declined_by", "declined_at"])
        audit.record(
            actor=actor,
            action="signal.decline",
            obj=current,
            before=before,
            after=audit.snapshot(current, SIGNAL_FIELDS),
        )
        _send_kind_notes(current)
    signal.refresh_from_db()


# --- The kind note --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PressCost:
    """What looking into a press cost in people's time: responders times minutes times an hourly cost."""

    responders: int
    minutes: int
    amount: int
    currency: str

    def in_words(self) -> str:
        people = "1 person" if self.responders == 1 else f"{self.responders} people"
        return (
            f"Looking into it took {people} about {self.minutes} minutes: "
            f"about {self.currency}{self.amount:,} of people's time."
        )


def hourly_cost() -> Decimal:
    return Decimal(str(getattr(settings, "STEADYOPS_HOURLY_COST", DEFAULT_HOURLY_COST)))


def _responders(signal: Signal) -> int:
    """The people who looked into it: whoever decided, and whoever acknowledged a page about it."""
    people = {signal.declined_by_id} - {None}
    from django.apps import apps

    try:
        page_model = apps.get_model("incidents", "Page")
    except LookupError:
        page_model = None
    if page_model is not None:
        people.update(
            page_model.objects.filter(signal_id=signal.pk, acknowledged_by__isnull=False).values_list(
                "acknowledged_by_id", flat=True
            )
        )
    return max(1, len(people))


def press_cost(signal: Signal) -> PressCost:
    """The cost of looking into a declined signal, from its first report to the decision."""
    decided = signal.declined_at or timezone.now()
    elapsed = (decided - signal.first_seen_at).total_seconds() / 60
    minutes = int(min(COST_MINUTES_MAX, max(COST_MINUTES_MIN, round(elapsed))))
    responders = _responders(signal)
    amount = hourly_cost() * responders * minutes / 60
    return PressCost(
        responders=responders,
        minutes=minutes,
        amount=int(amount.to_integral_value()),
        currency=str(getattr(settings, "STEADYOPS_CURRENCY", "€")),
    )


REASON_IN_WORDS = {
    DeclineReason.NOT_A_PROBLEM: ("It was not a problem: operations checked, and everything was working as it should."),
    DeclineReason.KNOWN_ISSUE: (
        "It was a problem operations already knew about and was already fixing, so your report joined the work "
        "in progress."
    ),
    DeclineReason.PLANNED_MAINTENANCE: (
        "It was planned maintenance: work that was announced beforehand and ends on its own."
    ),
    DeclineReason.USER_ERROR: (
        "It came from how something was used, not from a fault in our systems. That happens to everyone."
    ),
}


def _status_page_url() -> str:
    try:
        path = reverse("status_page")
    except NoReverseMatch:
        path = "/status"
    return settings.SITE_URL + path


def kind_note(*, signal: Signal, report: Report, cost: PressCost | None) -> tuple[str, str]:
    """The subject and body of the note a reporter gets when their report was declined."""
    when = timezone.localtime(report.created_at)
    about = f" (“{_shorten(report.what)}”)" if report.what else ""
    lines = [
        f"Hello {report.reporter},",
        "",
        f"Thank you for pressing the panic button on {when:%d %B at %H:%M}{about}. Operations looked into it.",
        "",
        "What it was: " + REASON_IN_WORDS[DeclineReason(signal.decline_reason)],
    ]
    if signal.decline_note:
        lines += ["", f"A note from operations: {signal.decline_note}"]
    lines += [
        "",
        f"How to check next time: look at the status page first, {_status_page_url()} . It lists every problem "
        "operations already knows about, in plain words. If yours is there, press “I see this too” on the panic "
        "page instead: you will get its updates.",
    ]
    if cost is not None:
        lines += [
            "",
            cost.in_words() + " That is all right: we would rather look once too often than miss a real problem. "
            "A look at the status page first saves that time.",
        ]
    lines += ["", "Thank you for keeping an eye out. Please keep pressing when something looks broken."]
    return "About the problem you reported", "\n".join(lines)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _send_kind_notes(signal: Signal) -> None:
    cost = press_cost(signal) if signal.decline_reason == DeclineReason.NOT_A_PROBLEM else None
    reports = Report.objects.filter(signal=signal).select_related("reporter").order_by("created_at", "pk")
    told: set[int] = set()
    for report in reports:
        if report.reporter_id in told or not report.reporter.is_active:
            continue
        told.add(report.reporter_id)
        subject, body = kind_note(signal=signal, report=report, cost=cost)
        notify_user(
            user=report.reporter,
            event="incidents.report_declined",
            subject=subject,
            body=body,
            payload={"signal": signal.pk, "reason": signal.decline_reason},
        )


# --- Press statistics -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamPresses:
    """How one team's presses of the panic button turned out over a period: counts only, never names."""

    team_id: int | None
    team_name: str
    presses: int
    helpful: int
    not_helpful: int
    pending: int

    @property
    def helpful_share(self) -> int | None:
        decided = self.helpful + self.not_helpful
        return round(100 * self.helpful / decided) if decided else None


def press_statistics(*, since: datetime, until: datetime | None = None) -> list[TeamPresses]:
    """Per team, the presses since a moment: helpful (joined an incident, or alerts confirmed it), not helpful
    (declined) and still pending. People without a team are counted together."""
    reports = Report.objects.filter(created_at__gte=since)
    if until is not None:
        reports = reports.filter(created_at__lt=until)
    helpful = Q(incident__isnull=False) | Q(signal__status__in=HELPFUL)
    declined = Q(incident__isnull=True, signal__status=SignalStatus.DECLINED)
    rows = (
        reports.values("team_id", "team__name")
        .annotate(
            presses=Count("pk"),
            helpful=Count("pk", filter=helpful),
            not_helpful=Count("pk", filter=declined),
        )
        .order_by("team__name")
    )
    result = [
        TeamPresses(
            team_id=row["team_id"],
            team_name=row["team__name"] or "No team",
            presses=row["presses"],
            helpful=row["helpful"],
            not_helpful=row["not_helpful"],
            pending=row["presses"] - row["helpful"] - row["not_helpful"],
        )
        for row in rows
    ]
    # People without a team come last, after the named teams.
    return sorted(result, key=lambda row: (row.team_id is None, row.team_name.lower()))
