"""Headroom findings: compute them for upcoming traffic events, keep them current, tell the owners once.

Forecasts run outside any transaction (they take a moment); each service's findings are then written in one
short transaction, so SQLite's single writer is never held while numbers are crunched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from steadyops.catalog.models import Capacity, Environment, Service
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.demand import forecasting, headroom
from steadyops.demand.models import DemandEvent, EventStatus, FindingStatus, HeadroomFinding, Verdict

if TYPE_CHECKING:
    from steadyops.accounts.models import Team
    from steadyops.demand import forecast
    from steadyops.demand.models import MetricSeries

log = logging.getLogger("steadyops.demand.headroom")

PRODUCTION = "production"
# Events that ended longer ago than this are not measured any more: their history has likely been thinned.
MEASURE_WITHIN_DAYS = 60
FINDING_FIELDS = [
    "verdict",
    "peak",
    "unit",
    "needed",
    "current",
    "shortfall",
    "deadline",
    "headroom_pct",
    "recommendation",
    "status",
    "closed_reason",
]
CLOSED_CAPACITY = "capacity updated"
CLOSED_FORECAST = "enough capacity for the latest forecast"
CLOSED_ENOUGH = "enough capacity"
CLOSED_CANCELLED = "event cancelled"
CLOSED_OVER = "event over"
CLOSED_UNAFFECTED = "the event no longer names this service"


@dataclass
class RecomputeResult:
    """What one recompute did, for the page's message, the API and the CLI."""

    assessed: int = 0
    opened: int = 0
    updated: int = 0
    closed: int = 0
    notified: int = 0
    errors: list[str] = field(default_factory=list)


def production() -> Environment | None:
    return Environment.objects.filter(slug=PRODUCTION).first()


def upcoming_events(now: datetime) -> QuerySet[DemandEvent]:
    """Events that have not ended and are not cancelled."""
    return DemandEvent.objects.exclude(status=EventStatus.CANCELLED).filter(ends_at__gte=now)


def affected_services(events: Iterable[DemandEvent]) -> dict[int, list[Service]]:
    """For each event, the services it brings traffic to: those it names and, for a whole-site event, every
    current service with a recorded traffic series (the others could only say "cannot tell")."""
    from steadyops.demand.models import MetricSeries

    events = list(events)
    named: dict[int, list[Service]] = defaultdict(list)
    through = DemandEvent.services.through.objects.filter(  # type: ignore[attr-defined]
        demandevent_id__in=[e.pk for e in events], service__archived_at=None
    ).select_related("service__owner")
    for row in through:
        named[row.demandevent_id].append(row.service)
    measured: list[Service] = []
    if any(e.whole_site for e in events):
        measured = list(
            Service.objects.filter(
                archived_at=None,
                pk__in=MetricSeries.objects.filter(service__isnull=False).values("service_id"),
            ).select_related("owner")
        )
    result: dict[int, list[Service]] = {}
    for event in events:
        services = {s.pk: s for s in named.get(event.pk, [])}
        if event.whole_site:
            services.update({s.pk: s for s in measured})
        result[event.pk] = sorted(services.values(), key=lambda s: s.name)
    return result


def capacity_facts(capacity: Capacity | None) -> headroom.CapacityFacts | None:
    if capacity is None:
        return None
    return headroom.CapacityFacts(
        instances=capacity.instances,
        per_instance=float(capacity.per_instance_capacity) if capacity.per_instance_capacity is not None else None,
        unit=capacity.unit,
        target_utilisation=capacity.target_utilisation,
        redundancy_intent=capacity.redundancy_intent,
        lead_time_days=capacity.provisioning_lead_time_days,
        pool_repurposable=capacity.pool_repurposable,
    )


def _same_unit(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


@dataclass
class ServiceForecast:
    """A service's main series and its forecast (or why there is none)."""

    series: MetricSeries | None
    result: forecast.Forecast | None
    problem: str = ""


def forecast_for_service(service: Service, capacity: Capacity | None, until: datetime) -> ServiceForecast:
    """The forecast of the service's main series up to until, or the reason there is none."""
    from steadyops.demand.series_services import main_series

    series = main_series(service)
    if series is None:
        return ServiceForecast(None, None, f"No traffic history for {service.name} yet: import it or pull it")
    if capacity is not None and capacity.unit and series.unit and not _same_unit(capacity.unit, series.unit):
        problem = (
            f"{service.name}'s traffic is measured in {series.unit} but its capacity in {capacity.unit}: "
            f"record capacity in {series.unit}"
        )
        return ServiceForecast(series, None, problem)
    try:
        return ServiceForecast(series, forecasting.forecast_series(series, until=until, level=headroom.LEVEL))
    except ValueError as error:
        return ServiceForecast(series, None, f"No forecast for {service.name}: {error}")


def peak_for(event: DemandEvent, service_forecast: ServiceForecast) -> float | None:
    """The busy-day peak over the event: the forecast's upper bound, or the peak the event was registered with
    when the service has no history to forecast from."""
    if service_forecast.result is not None:
        return headroom.peak_over(
            service_forecast.result.upper,
            forecasting.timestamp(event.starts_at),
            forecasting.timestamp(event.ends_at),
        )
    if service_forecast.series is None and event.expected_peak is not None:
        return event.expected_peak
    return None


def _event_day(event: DemandEvent) -> date:
    return timezone.localdate(event.starts_at)


def _service_url(service: Service) -> str:
    return settings.SITE_URL + reverse("demand_service_demand", kwargs={"slug": service.slug})


def _notify_owners(finding: HeadroomFinding, now: datetime) -> int:
    """Tell the owning team's members about a new shortfall, once."""
    from steadyops.notify.services import notify_user

    team: Team = finding.service.owner
    members = list(team.members.filter(is_active=True).order_by("pk"))
    subject = f"{finding.service.name} needs more instances for {finding.event.title}"
    body = (
        f"{finding.recommendation}.\n\n"
        f"{finding.event.title} starts on {_event_day(finding.event):%-d %B %Y}. The busy-day forecast peaks at "
        f"{finding.peak:,.0f} {finding.unit}; that needs {finding.needed} instances and {finding.service.name} "
        f"has {finding.current}.\n\n{_service_url(finding.service)}\n"
    )
    sent = 0
    for member in members:
        notify_user(
            user=member,
            event="demand.headroom_shortfall",
            subject=subject,
            body=body,
            payload={"service": finding.service.slug, "event": finding.event.pk, "shortfall": finding.shortfall},
        )
        sent += 1
    finding.notified_at = now
    finding.save(update_fields=["notified_at"])
    return sent


def _apply(finding: HeadroomFinding, assessment: headroom.Assessment, unit: str, method: str, now: datetime) -> None:
    finding.verdict = assessment.verdict
    finding.peak = assessment.peak
    finding.unit = unit
    finding.forecast_method = method
    finding.needed = assessment.needed
    finding.current = assessment.current
    finding.shortfall = assessment.shortfall
    finding.deadline = assessment.deadline
    finding.headroom_pct = assessment.headroom_pct
    finding.pool_repurposable = assessment.pool_repurposable
    finding.recommendation = assessment.recommendation[:500]
    finding.computed_at = now


def _close(finding: HeadroomFinding, reason: str, now: datetime) -> None:
    finding.status = FindingStatus.CLOSED
    finding.closed_at = now
    finding.closed_reason = reason


def record_assessment(
    *,
    actor: Actor,
    service: Service,
    event: DemandEvent,
    environment: Environment,
    assessment: headroom.Assessment,
    capacity: Capacity | None,
    unit: str = "",
    method: str = "",
    now: datetime | None = None,
) -> tuple[HeadroomFinding, str]:
    """Store one service's assessment for one event: update the open finding in place, close it when there is now
    enough, or open a new one (and tell the owners of a new shortfall). Returns the finding and what happened:
    "opened", "recorded" (a first assessment that found enough), "updated", "closed" or "unchanged".
    Call inside a transaction."""
    now = now or timezone.now()
    latest = (
        HeadroomFinding.objects.select_for_update()
        .filter(service=service, event=event, environment=environment)
        .order_by("-computed_at", "-pk")
        .first()
    )
    enough = assessment.verdict == Verdict.ENOUGH
    if latest is None or (not latest.is_open and not enough):
        finding = HeadroomFinding(service=service, event=event, environment=environment)
        _apply(finding, assessment, unit, method, now)
        if enough:
            _close(finding, CLOSED_ENOUGH, now)
        finding.save()
        audit.record(actor=actor, action="headroom.open", obj=finding, after=audit.snapshot(finding, FINDING_FIELDS))
        if assessment.verdict in (Verdict.SHORT, Verdict.LATE):
            _notify_owners(finding, now)
        return finding, "recorded" if enough else "opened"
    before = audit.snapshot(latest, FINDING_FIELDS)
    was_open, previously = latest.is_open, latest.computed_at
    _apply(latest, assessment, unit, method, now)
    outcome = "updated"
    if was_open and enough:
        capacity_changed = capacity is not None and capacity.updated_at > previously
        _close(latest, CLOSED_CAPACITY if capacity_changed else CLOSED_FORECAST, now)
        outcome = "closed"
    latest.save()
    after = audit.snapshot(latest, FINDING_FIELDS)
    if after != before:
        audit.record(
            actor=actor,
            action="headroom.close" if outcome == "closed" else "headroom.update",
            obj=latest,
            before=before,
            after=after,
        )
    else:
        outcome = "unchanged"
    if latest.is_open and latest.notified_at is None and latest.verdict in (Verdict.SHORT, Verdict.LATE):
        _notify_owners(latest, now)
    return latest, outcome


def _may_recompute(actor: Actor) -> bool:
    # The periodic job acts as steadyops itself; people need the right to run forecasts.
    if actor.user is None and actor.system:
        return True
    return permissions.can_manage_metrics(actor.user)


def close_stale(*, actor: Actor, now: datetime) -> int:
    """Close open findings whose event is cancelled or over."""
    stale = HeadroomFinding.objects.filter(status=FindingStatus.OPEN).filter(
        Q(event__status=EventStatus.CANCELLED) | Q(event__ends_at__lt=now)
    )
    closed = 0
    with transaction.atomic():
        for finding in stale.select_related("event", "service").select_for_update(of=("self",)):
            before = audit.snapshot(finding, FINDING_FIELDS)
            reason = CLOSED_CANCELLED if finding.event.status == EventStatus.CANCELLED else CLOSED_OVER
            _close(finding, reason, now)
            finding.save(update_fields=["status", "closed_at", "closed_reason"])
            audit.record(
                actor=actor,
                action="headroom.close",
                obj=finding,
                before=before,
                after=audit.snapshot(finding, FINDING_FIELDS),
            )
            closed += 1
    return closed


def recompute_headroom(
    *, actor: Actor, now: datetime | None = None, events: Iterable[DemandEvent] | None = None
) -> RecomputeResult:
    """Compare the forecast with production capacity for every upcoming, non-cancelled event (or the given ones)
    and every service it touches, keeping one finding per service, event and environment up to date.

    Each service is forecast once, up to the end of the last event that touches it. Idempotent: running it twice
    changes nothing the second time and tells nobody twice.
    """
    if not _may_recompute(actor):
        raise PermissionDenied("Only operators and administrators can recompute headroom.")
    now = now or timezone.now()
    result = RecomputeResult()
    environment = production()
    if environment is None:
        result.errors.append("There is no production environment in the catalog yet.")
        return result
    result.closed += close_stale(actor=actor, now=now)
    chosen = list(events) if events is not None else list(upcoming_events(now).order_by("starts_at", "pk"))
    chosen = [e for e in chosen if e.status != EventStatus.CANCELLED and e.ends_at >= now]
    per_event = affected_services(chosen)
    by_service: dict[int, tuple[Service, list[DemandEvent]]] = {}
    for event in chosen:
        for service in per_event[event.pk]:
            by_service.setdefault(service.pk, (service, []))[1].append(event)
    capacities = {
        c.service_id: c for c in Capacity.objects.filter(environment=environment, service_id__in=list(by_service))
    }
    today = timezone.localdate(now)
    for service, service_events in by_service.values():
        capacity = capacities.get(service.pk)
        until = max(e.ends_at for e in service_events)
        service_forecast = forecast_for_service(service, capacity, until)
        if service_forecast.problem and service_forecast.series is not None:
            result.errors.append(service_forecast.problem)
        facts = capacity_facts(capacity)
        unit = service_forecast.series.unit if service_forecast.series else (capacity.unit if capacity else "")
        method = service_forecast.result.method if service_forecast.result else ""
        with transaction.atomic():
            for event in service_events:
                assessment = headroom.assess(
                    service=service.name,
                    peak=peak_for(event, service_forecast),
                    facts=facts,
                    event_start=_event_day(event),
                    today=today,
                    peak_missing=service_forecast.problem,
                )
                finding, outcome = record_assessment(
                    actor=actor,
                    service=service,
                    event=event,
                    environment=environment,
                    assessment=assessment,
                    capacity=capacity,
                    unit=unit,
                    method=method,
                    now=now,
                )
                result.assessed += 1
                if outcome == "opened":
                    result.opened += 1
                    result.notified += int(finding.notified_at == now)
                elif outcome == "closed":
                    result.closed += 1
                elif outcome == "updated":
                    result.updated += 1
                    result.notified += int(finding.notified_at == now)
    result.closed += _close_unaffected(actor=actor, chosen=chosen, per_event=per_event, now=now)
    return result


def _close_unaffected(
    *, actor: Actor, chosen: list[DemandEvent], per_event: dict[int, list[Service]], now: datetime
) -> int:
    """Close open findings of services the event no longer names."""
    closed = 0
    with transaction.atomic():
        for event in chosen:
            keep = [s.pk for s in per_event[event.pk]]
            gone = HeadroomFinding.objects.select_for_update().filter(event=event, status=FindingStatus.OPEN)
            for finding in gone.exclude(service_id__in=keep):
                before = audit.snapshot(finding, FINDING_FIELDS)
                _close(finding, CLOSED_UNAFFECTED, now)
                finding.save(update_fields=["status", "closed_at", "closed_reason"])
                audit.record(
                    actor=actor,
                    action="headroom.close",
                    obj=finding,
                    before=before,
                    after=audit.snapshot(finding, FINDING_FIELDS),
                )
                closed += 1
    return closed


def measure_realised_uplifts(*, actor: Actor, now: datetime | None = None) -> int:
    """Fill realised_uplift for events that ended recently: actual traffic ÷ the forecast without the event,
    the mean over the event (see forecast.realised_uplift), averaged over the services it names that have
    history covering it. Returns how many events were measured."""
    from steadyops.demand import forecast
    from steadyops.demand.series_services import main_series

    if not _may_recompute(actor):
        raise PermissionDenied("Only operators and administrators can measure events.")
    now = now or timezone.now()
    events = list(
        DemandEvent.objects.exclude(status=EventStatus.CANCELLED).filter(
            ends_at__lt=now, ends_at__gte=now - timedelta(days=MEASURE_WITHIN_DAYS), realised_uplift__isnull=True
        )
    )
    per_event = affected_services(events)
    measured = 0
    for event in events:
        figures: list[float] = []
        for service in per_event[event.pk]:
            series = main_series(service)
            if series is None:
                continue
            history = forecasting.load_history(series, now=now)
            if history.empty:
                continue
            window = forecasting.window_for(event, multiplier=None)
            try:
                value = forecast.realised_uplift(history, window)
            except ValueError:
                value = None
            if value is not None:
                figures.append(value)
        if not figures:
            continue
        with transaction.atomic():
            locked = DemandEvent.objects.select_for_update().get(pk=event.pk)
            if locked.realised_uplift is not None:
                continue
            locked.realised_uplift = round(sum(figures) / len(figures), 3)
            locked.save(update_fields=["realised_uplift", "updated_at"])
            audit.record(
                actor=actor,
                action="demand_event.measure",
                obj=locked,
                before={"realised_uplift": None},
                after={"realised_uplift": locked.realised_uplift},
            )
        measured += 1
    return measured


# --- Reading ------------------------------------------------------------------------------------------------------


def open_findings(*, team: Team | None = None) -> QuerySet[HeadroomFinding]:
    """Open findings, worst first (late, short, cannot tell), nearest deadline first."""
    query = HeadroomFinding.objects.filter(status=FindingStatus.OPEN).select_related(
        "service__owner", "event", "environment"
    )
    if team is not None:
        query = query.filter(service__owner=team)
    return query


def ranked_findings(findings: Iterable[HeadroomFinding]) -> list[HeadroomFinding]:
    return sorted(
        findings, key=lambda f: headroom.rank_key(f.verdict, f.deadline, f.shortfall, f"{f.service.name} {f.pk}")
    )


def current_findings(*, event: DemandEvent, environment: Environment | None = None) -> list[HeadroomFinding]:
    """The newest finding per service for one event (the current assessment), worst first."""
    environment = environment or production()
    rows = (
        HeadroomFinding.objects.filter(event=event, environment=environment)
        .select_related("service__owner", "event")
        .order_by("service_id", "-computed_at", "-pk")
    )
    newest: dict[int, HeadroomFinding] = {}
    for finding in rows:
        newest.setdefault(finding.service_id, finding)
    return ranked_findings(newest.values())


def service_findings(*, service: Service, now: datetime | None = None) -> list[HeadroomFinding]:
    """The newest finding per upcoming event for one service, soonest event first."""
    now = now or timezone.now()
    rows = (
        HeadroomFinding.objects.filter(service=service, event__ends_at__gte=now, environment__slug=PRODUCTION)
        .exclude(event__status=EventStatus.CANCELLED)
        .select_related("event")
        .order_by("event_id", "-computed_at", "-pk")
    )
    newest: dict[int, HeadroomFinding] = {}
    for finding in rows:
        newest.setdefault(finding.event_id, finding)
    return sorted(newest.values(), key=lambda f: (f.event.starts_at, f.pk))


def summary(result: RecomputeResult) -> str:
    """The recompute's outcome in one sentence."""
    parts = [f"{result.assessed} checked", f"{result.opened} new", f"{result.closed} closed"]
    if result.notified:
        parts.append(f"{result.notified} {'person' if result.notified == 1 else 'people'} told")
    return "Headroom recomputed: " + ", ".join(parts) + "."


def as_dict(finding: HeadroomFinding) -> dict[str, Any]:
    return audit.snapshot(finding, FINDING_FIELDS)


# --- "Ready for the event?" ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessLine:
    """One service's line on the readiness page."""

    service: Service
    colour: str
    text: str
    ask: str
    finding: HeadroomFinding | None


@dataclass(frozen=True)
class Readiness:
    """The one-page answer to "Ready for this event?"."""

    colour: str
    headline: str
    lines: list[ReadinessLine]
    checked_at: datetime | None
    names_no_service: bool


HEADLINES = {
    "green": "Yes: every part of the site it touches can take the expected traffic.",
    "amber": "Not yet: operations has work to do before it starts.",
    "red": "At risk: some parts of the site may slow down at the busiest moment.",
}


def readiness_for(event: DemandEvent, *, now: datetime | None = None) -> Readiness:
    """Per affected service a green, amber or red sentence in plain words, what operations will add by when and
    whom to ask; services not checked yet say so."""
    today = timezone.localdate(now or timezone.now())
    findings = {f.service_id: f for f in current_findings(event=event)}
    services = affected_services([event])[event.pk]
    lines: list[ReadinessLine] = []
    for service in services:
        finding = findings.get(service.pk)
        ask = f"Ask the {service.owner.name} team."
        if finding is None:
            text = f"Operations has not checked {service.name} for this event yet."
            lines.append(ReadinessLine(service, "amber", text, ask, None))
            continue
        colour, text = headroom.readiness_line(
            service=service.name,
            verdict=finding.verdict,
            shortfall=finding.shortfall,
            deadline=finding.deadline,
            headroom_pct=finding.headroom_pct,
            pool_repurposable=finding.pool_repurposable,
            today=today,
        )
        lines.append(ReadinessLine(service, colour, text, ask, finding))
    lines.sort(key=lambda line: ({"red": 0, "amber": 1, "green": 2}[line.colour], line.service.name))
    colour = headroom.overall(line.colour for line in lines)
    headline = HEADLINES[colour] if lines else "Operations cannot check it yet: it names no part of the site."
    checked = max((f.computed_at for f in findings.values()), default=None)
    return Readiness(colour, headline, lines, checked, names_no_service=not services)
