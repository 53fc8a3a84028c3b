"""Grouping: reports and alerts that wait ungrouped join signals by service or product area, time and words; a
signal over the threshold pages on-call, the rest wait in the triage queue.

``group_pending()`` runs in the worker, right after intake and on a schedule, in batches that read the open signals
once for thousands of items. On SQLite a batch is worked out before taking the write turn and checked under it
(``_plan_batch``, ``_still_holds``); on PostgreSQL it is worked out inside the transaction, on locked rows. How items
are compared lives in ``grouping``; storing what arrives lives in ``intake_services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Case, F, TextField, When
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from steadyops.core.rows import pairs, update_each, update_ids
from steadyops.incidents import grouping
from steadyops.incidents.intake_services import (
    TITLE_MAX,
    group_window,
    intake_writer,
    page_threshold,
    resolve_quiet_signals,
)
from steadyops.incidents.models.signals import (
    Alert,
    AlertSeverity,
    AlertStatus,
    Report,
    Signal,
    SignalStatus,
)

__all__ = ["group_pending", "page_if_over_threshold"]

# Reports, and alerts, one grouping transaction takes at most: large, because each batch reads and checks the open
# signals once, whatever its size.
GROUP_BATCH = 2_000
# Signals still collecting, and signals already handled whose incident new reports should follow.
_JOINABLE = (SignalStatus.OPEN, SignalStatus.PAGED, SignalStatus.ACCEPTED, SignalStatus.MERGED)


@dataclass
class _Open:
    """An open signal while a batch is grouped: its candidate view and what changes on it."""

    signal: Signal
    keywords: frozenset[str]
    touched: bool = False

    def candidate(self) -> grouping.Candidate:
        s = self.signal
        return grouping.Candidate(
            id=s.pk,
            last_seen_at=s.last_seen_at,
            keywords=self.keywords,
            service_id=s.service_id,
            product_area=s.product_area,
            group_key=s.group_key,
        )


def _report_title(report: Report) -> str:
    if report.what:
        first = " ".join(report.what.split())
        return first if len(first) <= 80 else first[:79] + "…"
    if report.service_id is not None and report.service is not None:
        return f"Something looks broken on {report.service.name}"
    if report.product_area:
        return f"Something looks broken in {report.product_area}"
    if report.where_url:
        return f"Something looks broken at {report.where_url[:120]}"
    return "Something looks broken"


def _report_text(report: Report) -> str:
    return " ".join(part for part in (report.what, report.where_url, report.product_area) if part)


class _PendingAlert(NamedTuple):
    """An alert waiting for its signal, as grouping reads it: plain column values, with the two words of its
    labels and annotations that grouping compares (read by the database, not by decoding the JSON here), and the
    time it counts at: its start, or its arrival for a start in the future."""

    pk: int
    at: datetime
    title: str
    text: str
    service_id: int | None
    product_area: str
    group_key: str
    severity: str
    status: str


_PENDING_ALERT_COLUMNS = (
    "pk",
    "at",
    "title",
    "alertname",
    "description",
    "service_id",
    "product_area",
    "group_key",
    "severity",
    "status",
)


def _pending_alerts(now: datetime) -> list[_PendingAlert]:
    # The time comes as the database stores it and is converted once per distinct value: the alerts of a burst
    # share a handful of times, and converting each row's cost more than reading it.
    rows = (
        _pending(Alert.objects.filter(grouped_at=None))
        .annotate(
            at=Case(When(starts_at__lte=now, then=F("starts_at")), default=F("received_at"), output_field=TextField()),
            alertname=KT("labels__alertname"),
            description=KT("annotations__description"),
        )
        .order_by("received_at", "pk")
        .values_list(*_PENDING_ALERT_COLUMNS)[:GROUP_BATCH]
    )
    times: dict[Any, datetime] = {}
    result = []
    for pk, stored_at, title, alertname, description, *placed in rows:
        at = times.get(stored_at)
        if at is None:
            at = times[stored_at] = _stored_time(stored_at)
        text = " ".join(str(part) for part in (title, alertname, description) if part)
        result.append(_PendingAlert(pk, at, title, text, *placed))
    return result


def _stored_time(value: Any) -> datetime:
    """A time column read without conversion: PostgreSQL's driver gives an aware datetime, SQLite the text Django
    stores (UTC)."""
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a stored time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, connection.timezone)


def group_pending(*, limit: int = 20_000) -> int:
    """Give every stored report and alert that has no signal yet its signal; page on-call for signals that cross
    the threshold (INCIDENTS_PAGE_REPORTS reports within INCIDENTS_PAGE_MINUTES, or any critical alert).

    Returns how many items were grouped. Safe to run from several workers at once: each batch is one transaction
    that claims its rows.
    """
    total = 0
    while total < limit:
        done = _group_batch()
        total += done
        if done < GROUP_BATCH:
            # A batch that was not full took everything there was: no need to look again.
            break
    return total


def _pending(queryset: Any) -> Any:
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


# The signal columns a grouping plan depends on: when none changed between planning and writing, the plan holds.
_PLAN_COLUMNS = (
    "pk",
    "status",
    "title",
    "service_id",
    "product_area",
    "group_key",
    "keywords",
    "first_seen_at",
    "last_seen_at",
    "report_count",
    "alert_count",
    "critical",
    "paged_at",
    "incident_id",
)


NEW_SIGNAL = 1 << 62


@dataclass
class _Plan:
    """Which signal each item of a batch joins, and the signals' new state, worked out from one read."""

    reports: list[Report]
    alerts: list[_PendingAlert]
    # Signals keyed by id; new ones by NEW_SIGNAL and up until they are stored (above every id, as their ids will be).
    signals: dict[int, _Open]
    seen: list[tuple[Any, ...]]
    members: dict[int, list[int]]
    alert_members: dict[int, list[int]]
    # Signals that took in a resolved alert: the only ones this batch can leave with nothing firing.
    took_resolved: set[int]

    @property
    def size(self) -> int:
        return len(self.reports) + len(self.alerts)


def _joinable(oldest: datetime, window: timedelta) -> Any:
    return Signal.objects.filter(status__in=_JOINABLE, last_seen_at__gte=oldest - window).order_by("pk")


def _plan_batch(now: datetime, window: timedelta) -> _Plan | None:
    """Read up to a batch of ungrouped reports and alerts and the signals they may join, and choose for each."""
    reports = list(
        _pending(Report.objects.filter(grouped_at=None).select_related("service")).order_by("created_at", "pk")[
            :GROUP_BATCH
        ]
    )
    alerts = _pending_alerts(now)
    if not reports and not alerts:
        return None
    items: list[tuple[datetime, Report | _PendingAlert]] = [(r.created_at, r) for r in reports]
    items += [(a.at, a) for a in alerts]
    items.sort(key=lambda pair: (pair[0], isinstance(pair[1], _PendingAlert), pair[1].pk))
    found = _joinable(min(at for at, _ in items), window)
    if connection.vendor == "postgresql":
        found = found.select_for_update()
    signals = {s.pk: _Open(s, grouping.parse_keywords(s.keywords)) for s in found}
    plan = _Plan(
        reports=reports,
        alerts=alerts,
        signals=signals,
        seen=[_plan_row(state.signal) for state in signals.values()],
        members={},
        alert_members={},
        took_resolved=set(),
    )
    # Alerts of one group share their text: their words are worked out once. A signal's candidate view is made
    # again only when an item changed what grouping compares.
    words_of: dict[str, frozenset[str]] = {}
    candidates = {key: state.candidate() for key, state in signals.items()}
    # An item placed exactly like the one before it (same time, text, service, area and group), which joined an
    # existing signal, joins that signal again: joining only made that signal a better match and changed no other.
    last_place: tuple[Any, ...] | None = None
    last_joined: int | None = None
    for at, item in items:
        alert = item if isinstance(item, _PendingAlert) else None
        text = item.text if isinstance(item, _PendingAlert) else _report_text(item)
        group_key = alert.group_key if alert is not None else ""
        place = (at, text, item.service_id, item.product_area, group_key)
        if last_joined is not None and place == last_place:
            chosen = last_joined
            signal = signals[chosen].signal
        else:
            chosen, joined = _join(signals, candidates, words_of, (at, item, text, group_key), window)
            signal = signals[chosen].signal
            last_place, last_joined = place, chosen if joined else None
        if alert is not None:
            signal.alert_count += 1
            if alert.severity == AlertSeverity.CRITICAL and alert.status == AlertStatus.FIRING:
                signal.critical = True
            if alert.status == AlertStatus.RESOLVED:
                plan.took_resolved.add(chosen)
            plan.alert_members.setdefault(chosen, []).append(alert.pk)
        else:
            signal.report_count += 1
            plan.members.setdefault(chosen, []).append(item.pk)
    return plan


def _join(
    signals: dict[int, _Open],
    candidates: dict[int, grouping.Candidate],
    words_of: dict[str, frozenset[str]],
    placed: tuple[datetime, Report | _PendingAlert, str, str],
    window: timedelta,
) -> tuple[int, bool]:
    """The signal an item joins (a new one, with a key from NEW_SIGNAL up, when none fits), with what the item
    changes on it; and whether it joined one that was there already."""
    at, item, text, group_key = placed
    entry = grouping.Item(
        at=at, text=text, service_id=item.service_id, product_area=item.product_area, group_key=group_key
    )
    chosen = grouping.choose(entry, candidates.values(), window=window)
    joined = chosen is not None
    item_words = words_of.get(text)
    if item_words is None:
        item_words = words_of[text] = grouping.words(text)
    if chosen is None:
        chosen = NEW_SIGNAL + sum(1 for key in signals if key >= NEW_SIGNAL)
        title = item.title if isinstance(item, _PendingAlert) else _report_title(item)
        signal = Signal(
            title=title[:TITLE_MAX] or "Alert",
            service_id=item.service_id,
            product_area=item.product_area,
            group_key=group_key,
            first_seen_at=at,
            last_seen_at=at,
        )
        # The key stands in for the id in grouping's comparisons until the signal is stored.
        signal.pk = chosen
        signals[chosen] = _Open(signal, grouping.merge_keywords(frozenset(), item_words))
    state = signals[chosen]
    state.touched = True
    signal = state.signal
    compared = (state.keywords, signal.last_seen_at, signal.service_id)
    if not item_words <= state.keywords:
        state.keywords = grouping.merge_keywords(state.keywords, item_words)
    signal.last_seen_at = max(signal.last_seen_at, at)
    signal.first_seen_at = min(signal.first_seen_at, at)
    if signal.service_id is None and item.service_id is not None:
        signal.service_id = item.service_id
    if chosen not in candidates or compared != (state.keywords, signal.last_seen_at, signal.service_id):
        candidates[chosen] = state.candidate()
    return chosen, joined


def _plan_row(signal: Signal) -> tuple[Any, ...]:
    return tuple(getattr(signal, name) for name in _PLAN_COLUMNS)


def _still_holds(plan: _Plan, window: timedelta) -> bool:
    """Whether a plan worked out before the write lock still matches the database: its items are still waiting,
    its alerts' statuses are the ones it read, and the signals it could join are unchanged (none new, none gone)."""
    oldest = min([r.created_at for r in plan.reports] + [a.at for a in plan.alerts])
    if list(_joinable(oldest, window).values_list(*_PLAN_COLUMNS)) != plan.seen:
        return False
    waiting = [r.pk for r in plan.reports]
    if len(pairs(Report, "id", "id", unset="grouped_at", among=waiting)) != len(waiting):
        return False
    statuses = {a.pk: a.status for a in plan.alerts}
    return pairs(Alert, "id", "status", unset="grouped_at", among=list(statuses)) == statuses


def _group_batch() -> int:
    now = timezone.now()
    window = group_window()
    # On SQLite the choices are worked out before the write lock, which is then held only to check that nothing
    # they depend on changed meanwhile (else they are worked out again) and to write them: webhooks and reports
    # are not kept waiting while a batch is compared. PostgreSQL plans inside the transaction, on locked rows.
    early = _plan_batch(now, window) if connection.vendor == "sqlite" else None
    if early is None and connection.vendor == "sqlite":
        return 0
    with intake_writer(), transaction.atomic():
        plan = early if early is not None and _still_holds(early, window) else _plan_batch(now, window)
        if plan is None:
            return 0
        _write_plan(plan, now)
    return plan.size


def _write_plan(plan: _Plan, now: datetime) -> None:
    stored: dict[int, int] = {}
    for key, state in list(plan.signals.items()):
        if key >= NEW_SIGNAL:
            signal = state.signal
            signal.pk = None
            signal.keywords = grouping.keywords_text(state.keywords)
            signal.save(force_insert=True)
            stored[key] = signal.pk
            del plan.signals[key]
            plan.signals[signal.pk] = state
    for signal_id, pks in plan.members.items():
        signal_id = stored.get(signal_id, signal_id)
        incident_id = plan.signals[signal_id].signal.incident_id
        update_ids(Report, pks, {"signal": signal_id, "grouped_at": now, "incident": incident_id})
    for signal_id, pks in plan.alert_members.items():
        update_ids(Alert, pks, {"signal": stored.get(signal_id, signal_id), "grouped_at": now})
    touched = [state for state in plan.signals.values() if state.touched]
    known = [state for state in touched if state.signal.pk not in stored.values()]
    for state in known:
        state.signal.keywords = grouping.keywords_text(state.keywords)
    update_each(
        [state.signal for state in known],
        ["last_seen_at", "first_seen_at", "service", "keywords", "report_count", "alert_count", "critical"],
    )
    members = {stored.get(key, key): pks for key, pks in plan.members.items()}
    took_resolved = {stored.get(key, key) for key in plan.took_resolved}
    _follow_incidents(touched, members)
    resolve_quiet_signals(
        {s.signal.pk for s in touched if s.signal.pk in took_resolved and not s.signal.report_count}, now
    )
    page_if_over_threshold(
        [s.signal for s in touched if s.signal.status == SignalStatus.OPEN and s.signal.paged_at is None]
    )


def _follow_incidents(touched: list[_Open], members: dict[int, list[int]]) -> None:
    """Reporters whose report joined a signal already handled as an incident follow that incident."""
    from steadyops.accounts.models import User

    with_incident = [s.signal for s in touched if s.signal.incident_id is not None and s.signal.pk in members]
    if not with_incident:
        return
    from steadyops.incidents import incident_services

    for signal in with_incident:
        reporter_ids = Report.objects.filter(pk__in=members[signal.pk]).values("reporter_id")
        for user in User.objects.filter(pk__in=reporter_ids, is_active=True).order_by("pk"):
            if signal.incident is not None:
                incident_services.subscribe_user(user=user, incident=signal.incident)


def page_if_over_threshold(signals: list[Signal]) -> None:
    """Page on-call for each signal over the threshold (inside the caller's transaction)."""
    if not signals:
        return
    count, minutes = page_threshold()
    for signal in signals:
        critical = bool(
            signal.critical
            and Alert.objects.filter(signal=signal, severity=AlertSeverity.CRITICAL, status=AlertStatus.FIRING).exists()
        )
        times: list[datetime] = []
        if not critical:
            times = list(
                Report.objects.filter(signal=signal)
                .order_by("-created_at")
                .values_list("created_at", flat=True)[:1_000]
            )
        if not grouping.crosses_threshold(times, count=count, minutes=minutes, critical=critical):
            continue
        claimed = Signal.objects.filter(pk=signal.pk, status=SignalStatus.OPEN, paged_at=None).update(
            status=SignalStatus.PAGED, paged_at=timezone.now()
        )
        if not claimed:
            continue
        signal.refresh_from_db()
        reason = (
            f"A critical alert: {signal.title}"
            if critical
            else f"{signal.report_count} reports within {minutes} minutes: {signal.title}"
        )
        from steadyops.incidents import oncall_services

        oncall_services.start_paging(signal=signal, reason=reason)
