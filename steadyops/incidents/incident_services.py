"""Incidents: declare, work (status, severity, roles, notes), keep people informed, and follow subscriptions.

Every change is checked against steadyops.core.permissions, audited and made in one transaction. Other parts of the
incidents module (intake, triage, on-call) call declare_incident, attach_signal, add_timeline, acknowledge,
subscribe_user and known_problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from steadyops.accounts.models import Team, User
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.incidents.metrics import IncidentFacts, SignalFacts
from steadyops.incidents.models.incidents import (
    OPEN_STATUSES,
    PLAIN_MAX,
    PRODUCT_AREA_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Audience,
    Incident,
    IncidentStatus,
    Severity,
    StatusUpdate,
    Subscription,
    SubscriptionScope,
    TimelineEntry,
    TimelineKind,
)
from steadyops.notify.services import notify_user

if TYPE_CHECKING:
    from steadyops.catalog.models import Service

SERVICES_MAX = 20
# Stakeholders expect a first plain-words update this soon after a customer-facing incident is declared.
FIRST_UPDATE_MINUTES = 30
# "Next update by" further away than this would leave sales and support without news for too long.
NEXT_UPDATE_MAX = timedelta(days=7)
KNOWN_PROBLEMS_MAX = 20
STATUS_ORDER = [
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
]
ROLES = ("commander", "communications", "scribe")
ROLE_WORDS = {"commander": "Commander", "communications": "Communications", "scribe": "Scribe"}


# --- Checks --------------------------------------------------------------------------------------------------------


def _may_work(actor: Actor, incident: Incident | None) -> None:
    # steadyops itself (a worker, the intake) acts without a person; people need the rule.
    if actor.user is None and actor.system:
        return
    if not permissions.can_work_incident(actor.user, incident):
        raise PermissionDenied("Only operators and administrators can work on incidents.")


def _text(field: str, value: str, *, required: bool, limit: int, single_line: bool = False, label: str = "") -> str:
    value = (value or "").strip()
    name = label or "This"
    if required and not value:
        raise ValidationError({field: f"{name} is required."})
    if len(value) > limit:
        raise ValidationError({field: f"{name} is too long: at most {limit} characters, got {len(value)}."})
    if "\x00" in value:
        raise ValidationError({field: f"{name} contains a character that cannot be stored."})
    if single_line and has_control_characters(value):
        raise ValidationError({field: f"{name} must be one line without control characters."})
    return value


def _severity(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        number = 0
    if number not in Severity.values:
        raise ValidationError({"severity": "Choose a severity from SEV1 to SEV4."})
    return number


def _status(value: object) -> str:
    if value not in IncidentStatus.values:
        raise ValidationError({"status": "Choose investigating, identified, monitoring or resolved."})
    return str(value)


def _services(services: Iterable[Service]) -> list[Service]:
    chosen = list(dict.fromkeys(services))
    if len(chosen) > SERVICES_MAX:
        raise ValidationError({"services": f"Choose at most {SERVICES_MAX} services."})
    archived = [service.name for service in chosen if service.archived_at is not None]
    if archived:
        raise ValidationError({"services": f"These services are archived: {', '.join(archived)}."})
    return chosen


# --- Timeline and notifications ------------------------------------------------------------------------------------


def add_timeline(*, incident: Incident, kind: str, text: str, actor: User | None = None) -> TimelineEntry:
    """Add a line to an incident's timeline. Not audited: the change that causes the line is."""
    if kind not in TimelineKind.values:
        raise ValueError(f"Unknown timeline kind {kind!r}.")
    return TimelineEntry.objects.create(
        incident=incident, at=timezone.now(), kind=kind, text=text[:TEXT_MAX], actor=actor
    )


def incident_url(incident: Incident) -> str:
    return settings.SITE_URL + reverse("incidents_detail", kwargs={"number": incident.number})


def subscribers(incident: Incident) -> list[User]:
    """Everyone who should hear about this incident, each once: subscribed people, and every member of a
    subscribed team, through subscriptions to everything, one of its services, its severity or it alone."""
    service_ids = list(incident.services.values_list("pk", flat=True))
    matching = Subscription.objects.filter(
        Q(scope=SubscriptionScope.ALL)
        | Q(scope=SubscriptionScope.SERVICE, service_id__in=service_ids)
        | Q(scope=SubscriptionScope.SEVERITY, max_severity__gte=incident.severity)
        | Q(scope=SubscriptionScope.INCIDENT, incident=incident)
    )
    user_ids = matching.filter(user__isnull=False).values("user_id")
    team_ids = matching.filter(team__isnull=False, team__archived_at=None).values("team_id")
    found = User.objects.filter(is_active=True).filter(Q(pk__in=user_ids) | Q(pk__in=_members_of(team_ids)))
    return list(found.order_by("pk"))


def _members_of(team_ids: QuerySet[Any]) -> QuerySet[Any]:
    from steadyops.accounts.models import Membership

    return Membership.objects.filter(team_id__in=team_ids).values("user_id")


def _notify_subscribers(incident: Incident, *, event: str, subject: str, body: str) -> int:
    people = subscribers(incident)
    payload = {"incident": incident.key, "url": incident_url(incident)}
    for person in people:
        notify_user(user=person, event=event, subject=subject, body=body, payload=payload)
    return len(people)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "not set"
    return timezone.localtime(moment).strftime("%d %b %Y, %H:%M %Z")


def _declared_message(incident: Incident) -> str:
    services = ", ".join(service.name for service in incident.services.all()) or incident.product_area or "—"
    return (
        f"Operations is working on a problem: {incident.title}\n\n"
        f"How bad: {incident.severity_label}\n"
        f"What is affected: {services}\n\n"
        f"You will get plain-words updates as the work goes on. Follow it here:\n{incident_url(incident)}\n"
    )


def _update_message(incident: Incident, update: StatusUpdate) -> str:
    lines = [
        f"Update on {incident.key}: {incident.title}",
        f"Status: {incident.status_label}",
        "",
        f"What is affected: {update.affected}",
        f"What customers see: {update.customers_see}",
        f"What to tell customers: {update.tell_customers}",
    ]
    if update.text:
        lines += ["", update.text]
    if update.next_update_by is not None:
        lines += ["", f"Next update by: {_when(update.next_update_by)}"]
    lines += ["", f"Follow it here: {incident_url(incident)}", ""]
    return "\n".join(lines)


# --- Declaring and signals -----------------------------------------------------------------------------------------


def _create_numbered(**fields: Any) -> Incident:
    # Two declarations at once may pick the same next number; the unique constraint refuses one, which tries again.
    for attempt in range(5):
        try:
            with transaction.atomic():
                number = (Incident.objects.aggregate(top=Max("number"))["top"] or 0) + 1
                return Incident.objects.create(number=number, **fields)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def declare_incident(
    *,
    actor: Actor,
    title: str,
    severity: int,
    services: Sequence[Service] = (),
    product_area: str = "",
    summary: str = "",
    signal: Any = None,
) -> Incident:
    """Declare an incident: number it, write the timeline, attach the signal it came from (subscribing its
    reporters), tell subscribers, and page on-call for SEV1 and SEV2 unless the signal already paged."""
    _may_work(actor, None)
    title = _text("title", title, required=True, limit=TITLE_MAX, single_line=True, label="The title")
    number = _severity(severity)
    chosen = _services(services)
    product_area = _text(
        "product_area", product_area, required=False, limit=PRODUCT_AREA_MAX, single_line=True, label="Product area"
    )
    summary = _text("summary", summary, required=False, limit=SUMMARY_MAX, label="The summary")
    if signal is not None and signal.incident_id is not None:
        raise ValidationError({"signal": "These reports already belong to an incident."})
    now = timezone.now()
    with transaction.atomic():
        incident = _create_numbered(
            title=title,
            summary=summary,
            severity=number,
            product_area=product_area,
            created_by=actor.user,
            declared_at=now,
            next_update_due_at=now + timedelta(minutes=FIRST_UPDATE_MINUTES) if number <= 3 else None,
        )
        incident.services.set(chosen)
        add_timeline(
            incident=incident,
            kind=TimelineKind.AUTO,
            text=f"Declared {Severity(number).name} by {actor.label}: {title}",
            actor=actor.user,
        )
        audit.record(actor=actor, action="incident.declare", obj=incident, after=audit.snapshot(incident))
        already_paged = False
        if signal is not None:
            _attach(actor, incident, signal, accepted=True)
            already_paged = signal.paged_at is not None
            _acknowledged_from_signal(incident, signal)
        _notify_subscribers(
            incident,
            event="incident.declared",
            subject=f"[{incident.key}] Operations is working on: {title}",
            body=_declared_message(incident),
        )
        if number <= 2 and not already_paged:
            _page(incident, f"{incident.key} declared {Severity(number).name}: {title}")
    return incident


def _page(incident: Incident, reason: str) -> None:
    from steadyops.incidents import oncall_services

    oncall_services.start_paging(incident=incident, signal=None, reason=reason)


def _acknowledged_from_signal(incident: Incident, signal: Any) -> None:
    """A page for the signal that someone already acknowledged counts as the incident's acknowledgement."""
    page_model = apps.get_model("incidents", "Page")
    first = page_model.objects.filter(signal=signal, acknowledged_at__isnull=False).order_by("acknowledged_at").first()
    if first is not None and incident.acknowledged_at is None:
        incident.acknowledged_at = first.acknowledged_at
        incident.save(update_fields=["acknowledged_at"])


def _attach(actor: Actor, incident: Incident, signal: Any, *, accepted: bool) -> None:
    signal.incident = incident
    signal.status = "accepted" if accepted else "merged"
    signal.save(update_fields=["incident", "status"])
    reports = signal.reports.count()
    alerts = signal.alerts.count()
    parts = [f"{reports} report{'s' if reports != 1 else ''}"] if reports else []
    if alerts:
        parts.append(f"{alerts} alert{'s' if alerts != 1 else ''}")
    what = " and ".join(parts) or "A signal"
    verb = "started this incident" if accepted else "joined"
    add_timeline(incident=incident, kind=TimelineKind.SIGNAL, text=f"{what} {verb}: {signal.title}", actor=actor.user)
    reporters = User.objects.filter(pk__in=signal.reports.values("reporter_id"), is_active=True).order_by("pk")
    for reporter in reporters:
        subscribe_user(user=reporter, incident=incident)


def attach_signal(*, actor: Actor, incident: Incident, signal: Any) -> None:
    """Join a signal (its reports and alerts) to an existing incident; its reporters now follow the incident."""
    _may_work(actor, incident)
    if signal.incident_id == incident.pk:
        return
    if signal.incident_id is not None:
        raise ValidationError({"signal": "These reports already belong to another incident."})
    with transaction.atomic():
        _attach(actor, incident, signal, accepted=False)
        audit.record(actor=actor, action="incident.attach_signal", obj=incident, after={"signal": signal.pk})


def acknowledge(*, incident: Incident, user: User, via: str = "page") -> None:
    """Record that a responder has seen the incident (the first time only); on-call calls this for a page."""
    now = timezone.now()
    with transaction.atomic():
        changed = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
        if not changed:
            return
        incident.acknowledged_at = now
        how = "from the page" if via == "page" else f"via {via}"
        add_timeline(
            incident=incident,
            kind=TimelineKind.PAGE if via == "page" else TimelineKind.AUTO,
            text=f"Acknowledged by {user} {how}",
            actor=user,
        )
        audit.record(
            actor=Actor(user=user, system=via),
            action="incident.acknowledge",
            obj=incident,
            after={"acknowledged_at": now.isoformat()},
        )


def known_problems() -> list[Incident]:
    """Open incidents, newest first: what the panic page shows before anyone reports the same thing again."""
    found = Incident.objects.exclude(status=IncidentStatus.RESOLVED).prefetch_related("services")
    return list(found.order_by("-declared_at", "-number")[:KNOWN_PROBLEMS_MAX])


# --- Working on an incident ----------------------------------------------------------------------------------------

LOCKED_FIELDS = (
    "status",
    "severity",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "next_update_due_at",
    "reminded_for_due_at",
    "commander_id",
    "communications_id",
    "scribe_id",
)


def _lock(incident: Incident) -> None:
    """Lock the incident's row for the surrounding transaction and decide from its current state: two people
    changing it at once must not both move it from the same old status."""
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    for name in LOCKED_FIELDS:
        setattr(incident, name, getattr(current, name))


def change_status(*, actor: Actor, incident: Incident, status: str, note: str = "") -> Incident:
    """Move an incident on (investigating → identified → monitoring → resolved). Going back, or reopening a
    resolved incident, needs a note saying why. The first time it reaches monitoring (or resolved) is when it was
    mitigated."""
    _may_work(actor, incident)
    new = _status(status)
    note = _text("note", note, required=False, limit=TEXT_MAX, label="The note")
    now = timezone.now()
    with transaction.atomic():
        _lock(incident)
        old = incident.status
        if new == old:
            return incident
        backwards = STATUS_ORDER.index(IncidentStatus(new)) < STATUS_ORDER.index(IncidentStatus(old))
        if backwards and not note:
            what = "reopening a resolved incident" if old == IncidentStatus.RESOLVED else "going back"
            raise ValidationError({"note": f"Say why in a note: it is needed when {what}."})
        before = audit.snapshot(incident, ["status", "mitigated_at", "resolved_at", "next_update_due_at"])
        incident.status = new
        if new in (IncidentStatus.MONITORING, IncidentStatus.RESOLVED) and incident.mitigated_at is None:
            incident.mitigated_at = now
        if new == IncidentStatus.RESOLVED:
            incident.resolved_at = now
            incident.next_update_due_at = None
        elif old == IncidentStatus.RESOLVED:
            incident.resolved_at = None
            incident.next_update_due_at = now + timedelta(minutes=FIRST_UPDATE_MINUTES)
        incident.save(update_fields=["status", "mitigated_at", "resolved_at", "next_update_due_at"])
        text = f"Status: {IncidentStatus(old).label} → {IncidentStatus(new).label}"
        if note:
            text = f"{text}. {note}"
        add_timeline(incident=incident, kind=TimelineKind.STATUS, text=text, actor=actor.user)
        audit.record(
            actor=actor,
            action="incident.status",
            obj=incident,
            before=before,
            after=audit.snapshot(incident, ["status", "mitigated_at", "resolved_at", "next_update_due_at"]),
        )
        if new == IncidentStatus.RESOLVED:
            _notify_subscribers(
                incident,
                event="incident.resolved",
                subject=f"[{incident.key}] Fixed: {incident.title}",
                body=(
                    f"The problem is fixed: {incident.title}\n\n"
                    f"{note + chr(10) + chr(10) if note else ''}"
                    f"If customers still see it, press the panic button again.\n{incident_url(incident)}\n"
                ),
            )
        elif old == IncidentStatus.RESOLVED:
            _notify_subscribers(
                incident,
                event="incident.reopened",
                subject=f"[{incident.key}] Back again: {incident.title}",
                body=f"The problem is back and operations is on it again: {incident.title}\n\n{note}\n"
                f"{incident_url(incident)}\n",
            )
    return incident


def change_severity(*, actor: Actor, incident: Incident, severity: int, note: str = "") -> Incident:
    """Change how bad the incident is. Raising an open incident to SEV1 or SEV2 pages on-call when nobody is
    being paged for it yet."""
    _may_work(actor, incident)
    new = _severity(severity)
    note = _text("note", note, required=False, limit=TEXT_MAX, label="The note")
    with transaction.atomic():
        _lock(incident)
        old = incident.severity
        if new == old:
            return incident
        incident.severity = new
        incident.save(update_fields=["severity"])
        text = f"Severity: {Severity(old).name} → {Severity(new).name}"
        if note:
            text = f"{text}. {note}"
        add_timeline(incident=incident, kind=TimelineKind.AUTO, text=text, actor=actor.user)
        audit.record(
            actor=actor, action="incident.severity", obj=incident, before={"severity": old}, after={"severity": new}
        )
        if new <= 2 < old and incident.is_open and not _being_paged(incident):
            _page(incident, f"{incident.key} raised to {Severity(new).name}: {incident.title}")
    return incident


def _being_paged(incident: Incident) -> bool:
    page_model = apps.get_model("incidents", "Page")
    return bool(page_model.objects.filter(incident=incident, state__in=["active", "acknowledged"]).exists())


def assign_roles(
    *,
    actor: Actor,
    incident: Incident,
    commander: User | None,
    communications: User | None,
    scribe: User | None,
) -> Incident:
    """Say who leads (commander), who keeps everyone informed (communications) and who writes things down
    (scribe). None leaves a role empty."""
    _may_work(actor, incident)
    chosen = {"commander": commander, "communications": communications, "scribe": scribe}
    for role, person in chosen.items():
        if person is not None and not permissions.can_take_part(person):
            raise ValidationError({role: f"{person} cannot take a role: only active people who are not viewers."})
    with transaction.atomic():
        _lock(incident)
        changes = {
            role: person
            for role, person in chosen.items()
            if getattr(incident, f"{role}_id") != (person.pk if person else None)
        }
        if not changes:
            return incident
        before = {role: getattr(incident, f"{role}_id") for role in changes}
        for role, person in changes.items():
            setattr(incident, role, person)
            who = str(person) if person else "nobody"
            add_timeline(incident=incident, kind=TimelineKind.ROLE, text=f"{ROLE_WORDS[role]}: {who}", actor=actor.user)
        incident.save(update_fields=list(changes))
        audit.record(
            actor=actor,
            action="incident.roles",
            obj=incident,
            before=before,
            after={role: person.pk if person else None for role, person in changes.items()},
        )
    return incident


def add_note(*, actor: Actor, incident: Incident, text: str) -> TimelineEntry:
    """Write a note in the incident's timeline."""
    _may_work(actor, incident)
    text = _text("text", text, required=True, limit=TEXT_MAX, label="The note")
    with transaction.atomic():
        entry = add_timeline(incident=incident, kind=TimelineKind.NOTE, text=text, actor=actor.user)
        audit.record(actor=actor, action="incident.note", obj=incident, after={"note": entry.pk})
    return entry


def post_update(
    *,
    actor: Actor,
    incident: Incident,
    audience: str,
    text: str = "",
    affected: str = "",
    customers_see: str = "",
    tell_customers: str = "",
    next_update_by: datetime | None = None,
) -> StatusUpdate:
    """Post an update. Technical updates are free text for responders. Updates for stakeholders answer, in plain
    words, what is affected, what customers see, what to tell them and when the next update comes; they go to
    every subscriber."""
    _may_work(actor, incident)
    if audience not in Audience.values:
        raise ValidationError({"audience": "Choose technical or stakeholders."})
    now = timezone.now()
    if audience == Audience.TECHNICAL:
        text = _text("text", text, required=True, limit=TEXT_MAX, label="The update")
        affected = customers_see = tell_customers = ""
        next_update_by = None
    else:
        text = _text("text", text, required=False, limit=TEXT_MAX, label="Anything else")
        affected = _text("affected", affected, required=True, limit=PLAIN_MAX, label="What is affected")
        customers_see = _text(
            "customers_see", customers_see, required=True, limit=PLAIN_MAX, label="What customers see"
        )
        tell_customers = _text(
            "tell_customers", tell_customers, required=True, limit=PLAIN_MAX, label="What to tell customers"
        )
        if next_update_by is None and incident.is_open:
            raise ValidationError({"next_update_by": "Say when the next update will come."})
        if next_update_by is not None:
            if timezone.is_naive(next_update_by):
                raise ValidationError({"next_update_by": "Give the time with its time zone."})
            if next_update_by <= now:
                raise ValidationError({"next_update_by": "The next update must be in the future."})
            if next_update_by > now + NEXT_UPDATE_MAX:
                raise ValidationError({"next_update_by": "The next update must come within 7 days."})
    with transaction.atomic():
        update = StatusUpdate.objects.create(
            incident=incident,
            audience=audience,
            text=text,
            affected=affected,
            customers_see=customers_see,
            tell_customers=tell_customers,
            next_update_by=next_update_by,
            created_by=actor.user,
        )
        if audience == Audience.STAKEHOLDERS:
            incident.next_update_due_at = next_update_by if incident.is_open else None
            incident.save(update_fields=["next_update_due_at"])
            summary = f"Update for everyone: {customers_see}"
        else:
            summary = f"Technical update: {text}"
        add_timeline(incident=incident, kind=TimelineKind.UPDATE, text=summary, actor=actor.user)
        audit.record(actor=actor, action="incident.update", obj=incident, after=audit.snapshot(update))
        if audience == Audience.STAKEHOLDERS:
            _notify_subscribers(
                incident,
                event="incident.update",
                subject=f"[{incident.key}] Update: {incident.title}",
                body=_update_message(incident, update),
            )
    return update


# --- Overdue updates -----------------------------------------------------------------------------------------------


def update_owner(incident: Incident) -> User | None:
    """Who writes the next stakeholder update: communications, else the commander, else whoever declared it."""
    for person in (incident.communications, incident.commander, incident.created_by):
        if person is not None and person.is_active:
            return person
    return None


def send_overdue_reminders(*, now: datetime | None = None) -> int:
    """Remind whoever owns the updates of each open incident whose next update is overdue, once per due time.

    Each reminder is claimed with a conditional UPDATE, so several workers running at once send it once."""
    now = now or timezone.now()
    due = (
        Incident.objects.filter(status__in=OPEN_STATUSES, next_update_due_at__lt=now)
        .exclude(reminded_for_due_at=F("next_update_due_at"))
        .select_related("communications", "commander", "created_by")
        .order_by("next_update_due_at")
    )
    sent = 0
    for incident in due:
        with transaction.atomic():
            claimed = (
                Incident.objects.filter(pk=incident.pk, next_update_due_at=incident.next_update_due_at)
                .exclude(reminded_for_due_at=incident.next_update_due_at)
                .update(reminded_for_due_at=incident.next_update_due_at)
            )
            if not claimed:
                continue
            owner = update_owner(incident)
            late = int((now - incident.next_update_due_at).total_seconds() // 60) if incident.next_update_due_at else 0
            add_timeline(
                incident=incident,
                kind=TimelineKind.AUTO,
                text=f"The update for everyone is overdue; reminded {owner or 'nobody (no one holds a role)'}",
            )
            if owner is not None:
                notify_user(
                    user=owner,
                    event="incident.update_overdue",
                    subject=f"[{incident.key}] An update for everyone is overdue",
                    body=(
                        f"Sales, support and everyone following {incident.key} ({incident.title}) were promised "
                        f"an update by {_when(incident.next_update_due_at)}, {late} minutes ago.\n\n"
                        f"Post one in plain words, even if nothing changed:\n{incident_url(incident)}\n"
                    ),
                    urgent=True,
                )
                sent += 1
    return sent


# --- Subscriptions -------------------------------------------------------------------------------------------------


def may_manage_subscription_of(user: User | None, *, person: User | None, team: Team | None) -> bool:
    """A person manages their own subscriptions; a team's are managed by its operators and administrators."""
    if team is not None:
        return permissions.can_edit_team(user, team)
    return permissions.can_view(user) and person is not None and user is not None and person.pk == user.pk


def subscribe(
    *,
    actor: Actor,
    scope: str,
    user: User | None = None,
    team: Team | None = None,
    service: Service | None = None,
    max_severity: int | None = None,
    incident: Incident | None = None,
) -> Subscription:
    """Follow incidents, for a person or a whole team: every one, a service's, a severity and worse, or one.
    Subscribing twice to the same thing changes nothing; a new severity replaces the old one."""
    if (user is None) == (team is None):
        raise ValidationError("Subscribe either a person or a team.")
    if not may_manage_subscription_of(actor.user, person=user, team=team):
        raise PermissionDenied("You can change only your own subscriptions and those of teams you run.")
    if team is not None and team.archived_at is not None:
        raise ValidationError({"team": "This team is archived."})
    if scope not in SubscriptionScope.values:
        raise ValidationError({"scope": "Choose everything, a service, a severity or an incident."})
    target: dict[str, Any] = {}
    if scope == SubscriptionScope.SERVICE:
        if service is None:
            raise ValidationError({"service": "Choose a service."})
        if service.archived_at is not None:
            raise ValidationError({"service": "This service is archived."})
        target = {"service": service}
    elif scope == SubscriptionScope.SEVERITY:
        if max_severity is None:
            raise ValidationError({"max_severity": "Choose a severity."})
        target = {}
        max_severity = _severity(max_severity)
    elif scope == SubscriptionScope.INCIDENT:
        if incident is None:
            raise ValidationError({"incident": "Choose an incident."})
        target = {"incident": incident}
    who = {"user": user} if user is not None else {"team": team}
    with transaction.atomic():
        found = Subscription.objects.filter(scope=scope, **who, **target).first()
        if found is not None:
            if scope == SubscriptionScope.SEVERITY and found.max_severity != max_severity:
                before = {"max_severity": found.max_severity}
                found.max_severity = max_severity
                found.save(update_fields=["max_severity"])
                audit.record(
                    actor=actor,
                    action="incident_subscription.change",
                    obj=found,
                    before=before,
                    after={"max_severity": max_severity},
                )
            return found
        created = Subscription.objects.create(scope=scope, max_severity=max_severity, **who, **target)
        audit.record(actor=actor, action="incident_subscription.create", obj=created, after=audit.snapshot(created))
    return created


def unsubscribe(*, actor: Actor, subscription: Subscription) -> None:
    """Stop following what a subscription covers."""
    if not may_manage_subscription_of(actor.user, person=subscription.user, team=subscription.team):
        raise PermissionDenied("You can change only your own subscriptions and those of teams you run.")
    with transaction.atomic():
        audit.record(
            actor=actor, action="incident_subscription.delete", obj=subscription, before=audit.snapshot(subscription)
        )
        subscription.delete()


def subscribe_user(*, user: User, incident: Incident) -> Subscription:
    """Make a person follow one incident (a reporter whose report joined it, someone pressing "follow").
    Idempotent."""
    found = Subscription.objects.filter(user=user, scope=SubscriptionScope.INCIDENT, incident=incident).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            created = Subscription.objects.create(user=user, scope=SubscriptionScope.INCIDENT, incident=incident)
            audit.record(
                actor=Actor(user=user),
                action="incident_subscription.create",
                obj=created,
                after=audit.snapshot(created),
            )
            return created
    except IntegrityError:
        # Subscribed at the same moment by another request.
        return Subscription.objects.get(user=user, scope=SubscriptionScope.INCIDENT, incident=incident)


def unsubscribe_user(*, actor: Actor, incident: Incident) -> bool:
    """Stop following one incident personally; whether there was something to stop."""
    found = Subscription.objects.filter(user=actor.user, scope=SubscriptionScope.INCIDENT, incident=incident).first()
    if found is None:
        return False
    unsubscribe(actor=actor, subscription=found)
    return True


def follows_through(user: User, incident: Incident) -> list[Subscription]:
    """The subscriptions through which a person hears about this incident (their own and their teams')."""
    service_ids = [service.pk for service in incident.services.all()]
    team_ids = list(user.memberships.filter(team__archived_at=None).values_list("team_id", flat=True))
    return list(
        Subscription.objects.filter(Q(user=user) | Q(team_id__in=team_ids))
        .filter(
            Q(scope=SubscriptionScope.ALL)
            | Q(scope=SubscriptionScope.SERVICE, service_id__in=service_ids)
            | Q(scope=SubscriptionScope.SEVERITY, max_severity__gte=incident.severity)
            | Q(scope=SubscriptionScope.INCIDENT, incident=incident)
        )
        .select_related("team", "user", "service", "incident")
    )


# --- Figures -------------------------------------------------------------------------------------------------------


def metrics_facts(*, since: datetime, until: datetime) -> tuple[list[IncidentFacts], list[SignalFacts]]:
    """The facts behind the response figures: incidents declared and signals first seen in [since, until)."""
    from django.db.models import Count, Min
    from django.db.models.functions import Coalesce

    signal_model = apps.get_model("incidents", "Signal")
    report_model = apps.get_model("incidents", "Report")
    incidents = list(
        Incident.objects.filter(declared_at__gte=since, declared_at__lt=until)
        .prefetch_related("services__owner")
        .order_by("declared_at", "pk")
    )
    ids = [incident.pk for incident in incidents]
    first_seen = dict(
        signal_model.objects.filter(incident_id__in=ids)
        .values("incident_id")
        .annotate(first=Min("first_seen_at"))
        .values_list("incident_id", "first")
    )
    reports = dict(
        report_model.objects.annotate(target=Coalesce("incident_id", "signal__incident_id"))
        .filter(target__in=ids)
        .values("target")
        .annotate(count=Count("pk"))
        .values_list("target", "count")
    )
    incident_facts = []
    for incident in incidents:
        services = list(incident.services.all())
        incident_facts.append(
            IncidentFacts(
                declared_at=incident.declared_at,
                first_seen_at=first_seen.get(incident.pk),
                acknowledged_at=incident.acknowledged_at,
                mitigated_at=incident.mitigated_at,
                resolved_at=incident.resolved_at,
                reports=reports.get(incident.pk, 0),
                services=tuple(sorted({service.name for service in services})),
                teams=tuple(sorted({service.owner.name for service in services})),
            )
        )
    signal_facts = [
        SignalFacts(
            status=status,
            services=(service,) if service else (),
            teams=(team,) if team else (),
        )
        for status, service, team in signal_model.objects.filter(
            first_seen_at__gte=since, first_seen_at__lt=until
        ).values_list("status", "service__name", "service__owner__name")
    ]
    return incident_facts, signal_facts
