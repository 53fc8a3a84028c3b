"""Intake: panic reports and alerts stored the moment they arrive, then grouped into signals that page on-call
past a threshold or wait in the triage queue.

A report or an alert is on disk when its function returns (one short transaction). Grouping is done in batches
by ``grouping_services.group_pending()``, which the worker runs right after intake and on a schedule, so the
request path writes a single row and the grouping reads the open signals once for hundreds of items.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from steadyops.accounts.models import Membership, Team
from steadyops.catalog.models import Service
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.busy import is_database_busy
from steadyops.core.models import AuditEntry
from steadyops.core.rows import by_pk, insert_rows, pairs, prepare_insert, run_insert
from steadyops.incidents.alertmanager import ParsedAlert, Payload
from steadyops.incidents.group_commit import GroupCommit, Pending, WriterTimeout
from steadyops.incidents.models.signals import (
    Alert,
    AlertSource,
    AlertStatus,
    Customers,
    Report,
    ReportSource,
    Signal,
    SignalStatus,
)
from steadyops.incidents.ratelimit import Limit, RateLimited, spend, spend_many

if TYPE_CHECKING:
    from steadyops.accounts.models import User
    from steadyops.incidents.models.incidents import Incident

__all__ = [
    "AlertsReceived",
    "IntakeUnavailable",
    "RateLimited",
    "acknowledgement",
    "answer_by",
    "me_too",
    "receive_alerts",
    "record_report",
    "request_grouping",
]

log = logging.getLogger("steadyops.incidents.intake")

T = TypeVar("T")
R = TypeVar("R")

WHAT_MAX = 2_000
URL_MAX = 500
AREA_MAX = 100
BATCH = 500
TITLE_MAX = 200
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none belong in a report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

PRESSED_AGAIN = "You pressed the button a moment ago; we have your report. Try again in {seconds} seconds."
ALERTS_FLOOD = "Too many alert requests from this token at once; nothing was stored. Retry after {seconds} seconds."
# The choices' values, once (each read of `.values` builds a new list).
_CUSTOMERS = frozenset(Customers.values)
_REPORT_SOURCES = frozenset(ReportSource.values)
_ALERT_SOURCES = frozenset(AlertSource.values)


# --- Settings ------------------------------------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def panic_limit() -> Limit:
    """Presses per person: INCIDENTS_PANIC_LIMIT within INCIDENTS_PANIC_PERIOD_SECONDS (5 in 10 minutes)."""
    return Limit(_setting("INCIDENTS_PANIC_LIMIT", 5), _setting("INCIDENTS_PANIC_PERIOD_SECONDS", 600))


def alert_limit() -> Limit:
    """Alert requests per token: a burst of INCIDENTS_ALERT_BURST, refilled at INCIDENTS_ALERT_REQUESTS_PER_SECOND."""
    burst = _setting("INCIDENTS_ALERT_BURST", 1_000)
    per_second = _setting("INCIDENTS_ALERT_REQUESTS_PER_SECOND", 200)
    return Limit(burst, burst / per_second)


def page_threshold() -> tuple[int, int]:
    """(reports, minutes): that many reports within that many minutes page on-call (3 in 10)."""
    return _setting("INCIDENTS_PAGE_REPORTS", 3), _setting("INCIDENTS_PAGE_MINUTES", 10)


def group_window() -> timedelta:
    return timedelta(minutes=_setting("INCIDENTS_GROUP_WINDOW_MINUTES", 30))


def answer_by(at: datetime | None = None) -> datetime:
    """When a reporter will hear back at the latest: INCIDENTS_ANSWER_MINUTES (15) after the press."""
    return (at or timezone.now()) + timedelta(minutes=_setting("INCIDENTS_ANSWER_MINUTES", 15))


def acknowledgement(report: Report) -> str:
    """The words a reporter sees after pressing the button."""
    by = timezone.localtime(answer_by(report.created_at)).strftime("%H:%M")
    return f"We got it. Ops is looking. You'll hear back by {by}."


# --- Writing under load ---------------------------------------------------------------------------------------------

_process_lock = threading.Lock()
_lock_file: int | None = None


def _sqlite_lock_fd() -> int | None:
    global _lock_file
    if connection.vendor != "sqlite":
        return None
    if _lock_file is None:
        name = str(connection.settings_dict["NAME"])
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        _lock_file = os.open(f"{name}.intake-lock", os.O_RDWR | os.O_CREAT, 0o600)
    return _lock_file


@contextmanager
def intake_writer() -> Iterator[None]:
    """Hold the intake write turn around a short write transaction on SQLite.

    SQLite has one writer; one that finds the database locked sleeps in growing steps before trying again, so
    under a burst most of the time goes to sleeping. Intake writers instead queue on an operating-system lock
    (a thread lock within a process, a file lock between processes), which hands over the moment it is free.
    PostgreSQL needs none of this.
    """
    fd = _sqlite_lock_fd()
    if fd is None or connection.in_atomic_block:
        yield
        return
    with _process_lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


# --- Reports -------------------------------------------------------------------------------------------------------


def _clean(value: str, field: str, limit: int, *, single_line: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: "Expected text."})
    text = _CONTROL.sub("", value)
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    if len(text) > limit:
        raise ValidationError({field: f"Please keep this under {limit} characters (it has {len(text)})."})
    return text


def _where(value: str) -> str:
    text = _clean(value, "where_url", URL_MAX, single_line=True)
    if text and not re.match(r"^https?://[^\s/$.?#][^\s]*$", text, re.IGNORECASE):
        raise ValidationError({"where_url": "Paste the address from the browser, starting with http:// or https://."})
    return text


def _user_of(actor: Actor) -> User:
    user = actor.user
    if user is None or not permissions.can_press_panic(user):
        raise PermissionDenied("Sign in to report a problem.")
    return user


def _team_ids_of(user_ids: set[int]) -> dict[int, int]:
    """Each person's team for their reports: their first team by name, a non-operations team before operations.

    One plain statement (it runs for every batch of reports; the ORM's query building would cost more)."""
    if not user_ids:
        return {}
    quote = connection.ops.quote_name
    membership = quote(Membership._meta.db_table)
    team = quote(Team._meta.db_table)
    marks = ", ".join(["%s"] * len(user_ids))
    teams: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.user_id, m.team_id FROM {membership} m JOIN {team} t ON t.id = m.team_id "  # noqa: S608
            f"WHERE m.user_id IN ({marks}) AND t.archived_at IS NULL "
            "ORDER BY m.user_id, t.is_operations, t.name",
            sorted(user_ids),
        )
        for user_id, team_id in cursor.fetchall():
            teams.setdefault(user_id, team_id)
    return teams


def _team_id_of(user: User) -> int | None:
    return _team_ids_of({user.pk}).get(user.pk)


def _spend_press(user: User) -> None:
    limit = panic_limit()
    try:
        spend(f"panic:user:{user.pk}", limit)
    except RateLimited as refused:
        raise RateLimited(refused.retry_after, PRESSED_AGAIN.format(seconds=refused.retry_after)) from None


class IntakeUnavailable(OperationalError):
    """A report (or a webhook's alerts) could not be stored: the batch it was written with failed; nothing of it
    was kept, and a retry is safe. A subclass of OperationalError whose words mark it busy, so pages and the API
    answer 503."""

    def __init__(self, cause: BaseException | str, what: str = "the report was") -> None:
        super().__init__(f"database is locked or failing: {what} not stored ({cause})")


@dataclass(frozen=True)
class _CheckedReport:
    """A report checked and waiting for its batch to be written."""

    actor: Actor
    request_id: str
    user: User
    fields: dict[str, Any]


def _store_reports(batch: list[_CheckedReport]) -> list[Report | RateLimited]:
    """Write a batch of reports in one transaction (one commit, one fsync): spend each person's allowance in
    order, insert the admitted reports and their audit entries in bulk, and wake the grouping.

    Returns, in batch order, the stored report or the refusal. Raises when the transaction fails: then nothing
    of the batch was kept.
    """
    results: list[Report | RateLimited] = []
    with intake_writer(), transaction.atomic():
        now = timezone.now()
        verdicts = spend_many([f"panic:user:{p.user.pk}" for p in batch], panic_limit())
        admitted = [p for p, verdict in zip(batch, verdicts, strict=True) if verdict is None]
        teams = _team_ids_of({p.user.pk for p in admitted}) if admitted else {}
        rows = [
            Report(reporter_id=p.user.pk, team_id=teams.get(p.user.pk), created_at=now, **p.fields) for p in admitted
        ]
        values = [
            {"reporter": p.user.pk, "team": teams.get(p.user.pk), **p.fields, "created_at": now} for p in admitted
        ]
        ids = insert_rows(Report, values)
        for row, pk in zip(rows, ids, strict=True):
            row.pk = pk
        insert_rows(
            AuditEntry,
            [
                audit.row(
                    actor=p.actor,
                    action="incidents.report",
                    obj=(Report, row.pk, str(row)),
                    after={"source": row.source},
                    at=now,
                    request_id=p.request_id,
                )
                for p, row in zip(admitted, rows, strict=True)
            ],
        )
        stored = iter(rows)
        for p, verdict in zip(batch, verdicts, strict=True):
            if verdict is None:
                row = next(stored)
                row.reporter = p.user
                results.append(row)
            else:
                results.append(RateLimited(verdict, PRESSED_AGAIN.format(seconds=verdict)))
        if rows:
            request_grouping()
    return results


def _answer(batch: list[Pending[T, R]], store: Callable[[list[T]], list[R]], what: str) -> None:
    """Store a batch and hand each request its answer; a batch that fails answers each of its items
    IntakeUnavailable (503), after trying them one by one when the failure may have been one item's fault."""
    try:
        for pending, result in zip(batch, store([p.item for p in batch]), strict=True):
            pending.result = result
        return
    except Exception as failure:
        log.warning("a batch of %d (%s) could not be stored: %s", len(batch), what, failure, exc_info=True)
        if len(batch) == 1 or is_database_busy(failure):
            for pending in batch:
                pending.result = IntakeUnavailable(failure, what)
            return
    for pending in batch:
        try:
            [pending.result] = store([pending.item])
        except Exception as failure:
            log.warning("%s not stored: %s", what, failure)
            pending.result = IntakeUnavailable(failure, what)


def _write_batch(batch: list[Pending[_CheckedReport, Report | RateLimited]]) -> None:
    _answer(batch, _store_reports, "the report was")


# The most reports one transaction takes (INCIDENTS_REPORT_BATCH; a burst past it is written in several), and how
# long the writer gathers them under load (INCIDENTS_REPORT_WINDOW_MS).
_writer: GroupCommit[_CheckedReport, Report | RateLimited] = GroupCommit(
    "report-writer",
    _write_batch,
    batch_max=_setting("INCIDENTS_REPORT_BATCH", 256),
    window_seconds=_setting("INCIDENTS_REPORT_WINDOW_MS", 2) / 1000,
)
WRITER_WAIT_SECONDS = 30.0


def group_commit() -> bool:
    """Whether reports go through the process's batching writer (INCIDENTS_GROUP_COMMIT; by default whenever
    background work runs in a worker, i.e. not in the in-process mode of tests and single-process setups)."""
    configured = getattr(settings, "INCIDENTS_GROUP_COMMIT", None)
    if configured is None:
        return not _huey_immediate()
    return bool(configured)


def record_report(
    *,
    actor: Actor,
    what: str = "",
    where_url: str = "",
    service: Service | None = None,
    product_area: str = "",
    customers: str = Customers.UNKNOWN,
    source: str = ReportSource.PAGE,
) -> Report:
    """Store one press of the panic button, on disk when this returns, and wake the grouping.

    Anyone signed in may press. Each person has a small allowance (5 presses in 10 minutes by default); past it,
    RateLimited(retry_after) with a message that says we already have their report, and nothing is stored.
    Under load, reports arriving together are written in one transaction (group commit); when that write fails,
    IntakeUnavailable (answered 503) and nothing of the report was kept.
    """
    user = _user_of(actor)
    fields: dict[str, Any] = {
        "what": _clean(what, "what", WHAT_MAX),
        "where_url": _where(where_url),
        "product_area": _clean(product_area, "product_area", AREA_MAX, single_line=True),
    }
    if customers not in _CUSTOMERS:
        raise ValidationError({"customers": "Choose one, a few, many, or I don't know."})
    if source not in _REPORT_SOURCES:
        raise ValidationError({"source": "Unknown source."})
    if service is not None and service.archived_at is not None:
        raise ValidationError({"service": "This service is archived; choose another or leave it empty."})
    fields.update(service_id=service.pk if service is not None else None, customers=customers, source=source)
    checked = _CheckedReport(actor=actor, request_id=actor.request_id, user=user, fields=fields)
    if group_commit() and not connection.in_atomic_block:
        try:
            result = _writer.submit(checked, timeout=WRITER_WAIT_SECONDS)
        except WriterTimeout as late:
            raise IntakeUnavailable(late) from None
    else:
        # Inside the caller's transaction, the caller's commit is the one that counts: write here.
        [result] = _store_reports([checked])
    if isinstance(result, BaseException):
        raise result
    if result is None:
        raise IntakeUnavailable("the report writer gave no answer")
    report = result
    if service is not None:
        report.service = service
    return report


def me_too(*, actor: Actor, incident: Incident | None = None, signal: Signal | None = None) -> Report:
    """ "I see this too" on a known problem: a report joined straight to the incident (or signal) shown, and the
    person subscribed to the incident's updates. Counts against the same allowance as the button."""
    user = _user_of(actor)
    if (incident is None) == (signal is None):
        raise ValidationError("Say which problem you see: one incident or one signal.")
    now = timezone.now()
    with transaction.atomic():
        _spend_press(user)
        if signal is not None:
            signal = Signal.objects.select_for_update().get(pk=signal.pk)
            incident = signal.incident
        else:
            assert incident is not None
            signal = Signal.objects.filter(incident=incident).order_by("-last_seen_at", "-pk").first()
        report = Report.objects.create(
            reporter=user,
            team_id=_team_id_of(user),
            signal=signal,
            incident=incident,
            service=signal.service if signal is not None else None,
            product_area=signal.product_area if signal is not None else "",
            source=ReportSource.ME_TOO,
            created_at=now,
            grouped_at=now,
        )
        if signal is not None:
            Signal.objects.filter(pk=signal.pk).update(report_count=F("report_count") + 1, last_seen_at=now)
            signal.refresh_from_db()
            if signal.status == SignalStatus.OPEN:
                # Grouping builds on intake: imported here, where it is needed.
                from steadyops.incidents import grouping_services

                grouping_services.page_if_over_threshold([signal])
        if incident is not None:
            from steadyops.incidents import incident_services

            incident_services.subscribe_user(user=user, incident=incident)
        audit.record(
            actor=actor,
            action="incidents.me_too",
            obj=report,
            after={"incident": getattr(incident, "pk", None), "signal": getattr(signal, "pk", None)},
        )
    return report


# --- Alerts --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertsReceived:
    """What one webhook call did: alerts in the payload, new rows, rows whose status changed, signals resolved."""

    received: int
    created: int
    updated: int
    resolved_signals: int


def _token_key(actor: Actor) -> str:
    if actor.token is not None:
        return f"alerts:token:{actor.token.pk}"
    return f"alerts:user:{getattr(actor.user, 'pk', 0)}"


def _service_ids(alerts: Iterable[ParsedAlert]) -> dict[str, int]:
    """The ids of the live services the alerts name, by slug."""
    slugs = sorted({alert.service_slug for alert in alerts if alert.service_slug})
    return pairs(Service, "slug", "id", unset="archived_at", among=slugs)


def _open_starts(source: str, fingerprints: set[str]) -> dict[str, datetime]:
    """For senders that give no start time: the start of the alert with that fingerprint still firing."""
    if not fingerprints:
        return {}
    rows = (
        Alert.objects.filter(source=source, fingerprint__in=fingerprints, status=AlertStatus.FIRING)
        .order_by("fingerprint", "-starts_at")
        .values_list("fingerprint", "starts_at")
    )
    result: dict[str, datetime] = {}
    for fingerprint, starts_at in rows:
        result.setdefault(fingerprint, starts_at)
    return result


def _known_alerts(source: str, latest: dict[tuple[str, datetime], ParsedAlert]) -> dict[tuple[str, datetime], Alert]:
    """The stored alerts of source among latest's (fingerprint, start) keys."""
    rows = Alert.objects.filter(source=source, fingerprint__in={fingerprint for fingerprint, _ in latest}).only(
        "id", "fingerprint", "starts_at", "status", "ends_at", "signal_id", "title"
    )
    return {(row.fingerprint, row.starts_at): row for row in rows if (row.fingerprint, row.starts_at) in latest}


def _alert_row(
    source: str, payload: Payload, parsed: ParsedAlert, start: datetime, services: dict[str, int], now: datetime
) -> dict[str, Any]:
    return {
        "source": source,
        "fingerprint": parsed.fingerprint,
        "status": parsed.status,
        "title": parsed.title[:TITLE_MAX],
        "labels": parsed.labels,
        "annotations": parsed.annotations,
        "starts_at": start,
        "ends_at": parsed.ends_at,
        "generator_url": parsed.generator_url,
        "group_key": payload.group_key,
        "receiver": payload.receiver,
        "severity": parsed.severity,
        "service": services.get(parsed.service_slug),
        "product_area": parsed.product_area,
        "received_at": now,
        "updated_at": now,
    }


@dataclass(frozen=True)
class _CheckedAlerts:
    """A webhook's alerts read and converted for the database, waiting for their batch to be written."""

    actor: Actor
    request_id: str
    source: str
    group_key: str
    latest: dict[tuple[str, datetime], ParsedAlert]
    rows: int
    inserts: list[tuple[str, list[Any]]]
    now: datetime
    # How the audit log shows the payload's first alert (its title, or its fingerprint).
    first_shown: str


def receive_alerts(*, actor: Actor, payload: Payload, source: str) -> AlertsReceived:
    """Store a webhook's alerts: new ones inserted in bulk, known ones (same source, fingerprint and start)
    updated only when their status changed, so a resend changes nothing. A signal whose alerts are all resolved,
    which no person reported and nobody took on, is resolved.

    Each token has an admission allowance; past it, RateLimited (the API answers 503 with Retry-After, which
    Alertmanager retries, where it would drop a 429). Under load, webhooks arriving together are written in one
    transaction (group commit); when that write fails, IntakeUnavailable (503) and none of the alerts was kept.
    """
    if source not in _ALERT_SOURCES:
        raise ValueError(f"unknown alert source {source!r}")
    now = timezone.now()
    services = _service_ids(payload.alerts)
    missing_start = {a.fingerprint for a in payload.alerts if a.starts_at is None}
    starts = _open_starts(source, missing_start)
    # The last word on an alert within one payload wins; duplicates would make the bulk insert conflict with itself.
    latest: dict[tuple[str, datetime], ParsedAlert] = {}
    for parsed in payload.alerts:
        start = parsed.starts_at or starts.get(parsed.fingerprint) or now
        latest[(parsed.fingerprint, start)] = parsed
    # Everything that needs no write lock happens before it: the rows, converted for the database. Under the lock,
    # the insert skips the alerts already stored, and only then are those read.
    new_rows = [_alert_row(source, payload, parsed, key[1], services, now) for key, parsed in latest.items()]
    checked = _CheckedAlerts(
        actor=actor,
        request_id=actor.request_id,
        source=source,
        group_key=payload.group_key,
        latest=latest,
        rows=len(new_rows),
        inserts=prepare_insert(Alert, new_rows, skip_conflicts=True),
        now=now,
        first_shown=(new_rows[0]["title"] or new_rows[0]["fingerprint"]) if new_rows else "",
    )
    result: AlertsReceived | RateLimited | BaseException | None
    if group_commit() and not connection.in_atomic_block:
        try:
            result = _alert_writer.submit(checked, timeout=WRITER_WAIT_SECONDS)
        except WriterTimeout as late:
            raise IntakeUnavailable(late, ALERTS_NOT_STORED) from None
    else:
        [result] = _store_alert_batches([checked])
    if isinstance(result, BaseException):
        raise result
    if result is None:
        raise IntakeUnavailable("the alert writer gave no answer", ALERTS_NOT_STORED)
    return result


ALERTS_NOT_STORED = "the alerts were"


def _store_alert_batches(batch: list[_CheckedAlerts]) -> list[AlertsReceived | RateLimited]:
    """Write the alerts of several webhooks in one transaction (one commit, one fsync), each spending its token's
    allowance in turn. Returns, in batch order, what each webhook did or its refusal; raises when the transaction
    fails, and then nothing of the batch was kept."""
    results: list[AlertsReceived | RateLimited] = []
    with intake_writer(), transaction.atomic():
        for checked in batch:
            try:
                results.append(_store_alerts(checked))
            except RateLimited as refused:
                results.append(RateLimited(refused.retry_after, ALERTS_FLOOD.format(seconds=refused.retry_after)))
    return results


def _store_alerts(checked: _CheckedAlerts) -> AlertsReceived:
    """One webhook's writes, inside the batch's transaction: RateLimited (before any write) past the allowance."""
    latest, now = checked.latest, checked.now
    spend(_token_key(checked.actor), alert_limit())
    if not latest:
        return AlertsReceived(received=0, created=0, updated=0, resolved_signals=0)
    new_ids = run_insert(checked.inserts)
    created, updated, resolved = len(new_ids), 0, 0
    # Alerts stored before (a resend, a status change, or a concurrent copy of this payload a moment ago): a status
    # to change is compared with the committed one. The rows just inserted here match their payload.
    known = _known_alerts(checked.source, latest) if created < checked.rows else {}
    changed: list[Alert] = []
    for key, parsed in latest.items():
        row = known.get(key)
        if row is not None and row.status != parsed.status:
            row.status = parsed.status
            row.ends_at = parsed.ends_at if parsed.status == AlertStatus.RESOLVED else None
            row.updated_at = now
            changed.append(row)
    if changed:
        Alert.objects.bulk_update(changed, ["status", "ends_at", "updated_at"], batch_size=BATCH)
        updated = len(changed)
        signal_ids = {row.signal_id for row in changed if row.signal_id and row.status == AlertStatus.RESOLVED}
        resolved = resolve_quiet_signals(signal_ids, now)
    if created or updated:
        # The entry names the first alert written: the first row of the payload when all were new (ids follow the
        # rows' order), else the first row inserted or changed.
        first: Alert | None = changed[0] if not new_ids else None
        if new_ids and created < checked.rows:
            first = by_pk(Alert, new_ids[0])
        shown = str(first) if first is not None else checked.first_shown
        after = {"received": len(latest), "created": created, "updated": updated, "group_key": checked.group_key}
        insert_rows(
            AuditEntry,
            [
                audit.row(
                    actor=checked.actor,
                    action=f"incidents.alerts.{checked.source}",
                    obj=(Alert, new_ids[0] if new_ids else changed[0].pk, shown),
                    after=after,
                    at=now,
                    request_id=checked.request_id,
                )
            ],
        )
    if created:
        request_grouping()
    return AlertsReceived(received=len(latest), created=created, updated=updated, resolved_signals=resolved)


def _write_alert_batch(batch: list[Pending[_CheckedAlerts, AlertsReceived | RateLimited]]) -> None:
    _answer(batch, _store_alert_batches, ALERTS_NOT_STORED)


# Webhooks per transaction: each brings up to 1,000 alerts, so fewer than reports.
_alert_writer: GroupCommit[_CheckedAlerts, AlertsReceived | RateLimited] = GroupCommit(
    "alert-writer",
    _write_alert_batch,
    batch_max=_setting("INCIDENTS_ALERT_BATCH", 16),
    window_seconds=_setting("INCIDENTS_REPORT_WINDOW_MS", 2) / 1000,
)


def resolve_quiet_signals(signal_ids: set[int], now: datetime) -> int:
    """Resolve the signals among signal_ids that only alerts fed, nobody took on, and whose alerts all resolved;
    their on-call pages still open are resolved too, so nobody is woken for a problem that went away."""
    if not signal_ids:
        return 0
    still_firing = Alert.objects.filter(signal_id__in=signal_ids, status=AlertStatus.FIRING).values("signal_id")
    quiet = Signal.objects.filter(
        pk__in=signal_ids,
        status__in=(SignalStatus.OPEN, SignalStatus.PAGED),
        incident=None,
        report_count=0,
    ).exclude(pk__in=still_firing)
    resolved = list(quiet.values_list("pk", flat=True))
    if not resolved:
        return 0
    count = quiet.filter(pk__in=resolved).update(status=SignalStatus.RESOLVED, resolved_at=now)
    _resolve_pages(resolved, now)
    return count


def _resolve_pages(signal_ids: list[int], now: datetime) -> None:
    """Stop the escalations of signals whose alerts all resolved, and say so on the incident they page about."""
    from steadyops.incidents import incident_services
    from steadyops.incidents.models.oncall import Page, PageState

    pages = Page.objects.filter(signal_id__in=signal_ids).exclude(state=PageState.RESOLVED).select_related("incident")
    for page in pages.order_by("pk"):
        changed = (
            Page.objects.filter(pk=page.pk)
            .exclude(state=PageState.RESOLVED)
            .update(state=PageState.RESOLVED, resolved_at=now, next_step_at=None, lease_owner="", lease_expires_at=None)
        )
        if not changed:
            continue
        audit.record(
            actor=Actor.system_actor("alerts"),
            action="page.resolve",
            obj=page,
            before={"state": page.state},
            after={"state": PageState.RESOLVED, "because": "its alerts all resolved"},
        )
        if page.incident is not None:
            incident_services.add_timeline(
                incident=page.incident,
                kind="page",
                text="The alerts behind the page all resolved by themselves; the page was resolved and nobody "
                "else will be paged for it.",
            )


# --- Waking the worker ---------------------------------------------------------------------------------------------

_wake_lock = threading.Lock()
_wake_pending = False
# Half a second: long enough that a burst is grouped in a few large batches, short beside the minutes of the
# paging threshold.
WAKE_DELAY_SECONDS = 0.5


def _huey_immediate() -> bool:
    huey_settings: Any = settings.HUEY
    return bool(isinstance(huey_settings, dict) and huey_settings.get("immediate"))


def request_grouping() -> None:
    """Ask the worker to group what just arrived, once the transaction commits.

    Under load, wakes are gathered per process: at most one every WAKE_DELAY_SECONDS, so a burst of reports costs
    one task, not one per report; the periodic catch-up covers a wake lost with a worker.
    """
    if _huey_immediate():
        # Tests and single-process setups: group now, inside the caller's transaction, so the result is visible
        # (always, not in turn with other threads: another thread's grouping cannot see this transaction's rows).
        from steadyops.incidents import grouping_services

        grouping_services.group_pending()
        return
    transaction.on_commit(_wake)


def _wake() -> None:
    global _wake_pending
    with _wake_lock:
        if _wake_pending:
            return
        _wake_pending = True
    timer = threading.Timer(WAKE_DELAY_SECONDS, _send_wake)
    timer.daemon = True
    timer.start()


def _send_wake() -> None:
    global _wake_pending
    with _wake_lock:
        _wake_pending = False
    from steadyops.incidents import intake_tasks

    try:
        intake_tasks.group_signals()
    except Exception:
        # The periodic catch-up groups whatever a lost wake left behind.
        log.warning("could not wake the grouping worker", exc_info=True)


def signals_for_reporter(user: User) -> Any:
    """The reporter's own recent reports, newest first (for their panic page)."""
    return Report.objects.filter(reporter=user).select_related("signal", "incident").order_by("-created_at")[:20]


def pending_count() -> int:
    """Reports and alerts not yet grouped (the worker's backlog)."""
    return Report.objects.filter(grouped_at=None).count() + Alert.objects.filter(grouped_at=None).count()
