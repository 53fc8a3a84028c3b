"""Domain operations on working sessions: a small group lists the conflicts, works out the details of each, and
writes the outcome down.

Pages and demo data go through these functions, which check who may act, validate, and write the audit log in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from markdown_it import MarkdownIt

from steadyops.accounts.models import Team, User
from steadyops.consensus.board_services import check_team, clean_text
from steadyops.consensus.models.boards import (
    CONFLICT_TEXT_MAX,
    RECORD_MAX,
    SESSION_PURPOSE_MAX,
    SESSION_TITLE_MAX,
    Conflict,
    SessionStatus,
    WorkingSession,
)
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor

SESSION_FIELDS = ["title", "purpose", "team", "participants", "status", "record", "recorded_at"]
CONFLICT_FIELDS = ["session", "description", "resolution", "resolved", "order"]
PARTICIPANTS_MAX = 50

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_record(text: str) -> str:
    """The record's Markdown as HTML that is safe to show: raw HTML is not rendered, and the result is sanitised
    again in case a construct slips through."""
    return nh3.clean(_markdown.render(text or ""), link_rel="noopener noreferrer nofollow")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_runner(actor: Actor, session: WorkingSession) -> None:
    _require(
        permissions.can_work_in_session(actor.user, session),
        "Only the session's participants, the person who started it, its team and administrators change it.",
    )


def _require_open(session: WorkingSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise ValidationError("This session's record is written down and final; it no longer changes.")


def _locked(session: WorkingSession) -> WorkingSession:
    return WorkingSession.objects.select_for_update().get(pk=session.pk)


def create_session(
    *,
    actor: Actor,
    title: str,
    purpose: str = "",
    team: Team | None = None,
    participants: Iterable[User] = (),
) -> WorkingSession:
    """Start a working session. Everyone who takes part may; the team, if any, must be one of the person's own
    (administrators: any). The person who starts it is always a participant."""
    _require(permissions.can_take_part(actor.user), "Viewers read working sessions but do not start them.")
    title = clean_text(title, field="title", label="title", maximum=SESSION_TITLE_MAX, required=True, multiline=False)
    purpose = clean_text(
        purpose, field="purpose", label="purpose", maximum=SESSION_PURPOSE_MAX, required=False, multiline=True
    )
    check_team(actor, team)
    people = {person.pk: person for person in participants}
    if len(people) > PARTICIPANTS_MAX:
        raise ValidationError(
            {"participants": f"A working session is for a small group: at most {PARTICIPANTS_MAX} people."}
        )
    inactive = sorted(person.username for person in people.values() if not person.is_active)
    if inactive:
        raise ValidationError({"participants": f"These people can no longer sign in: {', '.join(inactive)}."})
    assert actor.user is not None
    people[actor.user.pk] = actor.user
    with transaction.atomic():
        session = WorkingSession.objects.create(title=title, purpose=purpose, team=team, created_by=actor.user)
        session.participants.set(people.values())
        audit.record(
            actor=actor, action="working_session.create", obj=session, after=audit.snapshot(session, SESSION_FIELDS)
        )
    return session


def add_conflict(*, actor: Actor, session: WorkingSession, description: str) -> Conflict:
    """List a point the group disagrees on; it goes to the end of the list."""
    _require_runner(actor, session)
    description = clean_text(
        description,
        field="description",
        label="conflict",
        maximum=CONFLICT_TEXT_MAX,
        required=True,
        multiline=True,
    )
    with transaction.atomic():
        current = _locked(session)
        _require_open(current)
        last = current.conflicts.aggregate(last=Max("order"))["last"]
        conflict = Conflict.objects.create(
            session=current, description=description, order=0 if last is None else last + 1
        )
        audit.record(
            actor=actor, action="conflict.create", obj=conflict, after=audit.snapshot(conflict, CONFLICT_FIELDS)
        )
    return conflict


def update_conflict(*, actor: Actor, conflict: Conflict, description: str, resolution: str, resolved: bool) -> Conflict:
    """Change a conflict: what it is, the details worked out, and whether it is settled. A conflict is only
    settled with the details written down."""
    session = conflict.session
    _require_runner(actor, session)
    description = clean_text(
        description,
        field="description",
        label="conflict",
        maximum=CONFLICT_TEXT_MAX,
        required=True,
        multiline=True,
    )
    resolution = clean_text(
        resolution,
        field="resolution",
        label="details worked out",
        maximum=CONFLICT_TEXT_MAX,
        required=False,
        multiline=True,
    )
    if resolved and not resolution:
        raise ValidationError({"resolution": "Write down the details worked out before marking this settled."})
    with transaction.atomic():
        _require_open(_locked(session))
        current = Conflict.objects.select_for_update().get(pk=conflict.pk)
        before = audit.snapshot(current, CONFLICT_FIELDS)
        current.description = description
        current.resolution = resolution
        current.resolved = resolved
        current.save(update_fields=["description", "resolution", "resolved"])
        audit.record(
            actor=actor,
            action="conflict.resolve" if resolved and not before["resolved"] else "conflict.update",
            obj=current,
            before=before,
            after=audit.snapshot(current, CONFLICT_FIELDS),
        )
    conflict.refresh_from_db()
    return conflict


def write_record(*, actor: Actor, session: WorkingSession, record: str) -> WorkingSession:
    """Write or rewrite the session's record (Markdown) while the session is open."""
    _require_runner(actor, session)
    record = clean_text(record, field="record", label="record", maximum=RECORD_MAX, required=False, multiline=True)
    with transaction.atomic():
        current = _locked(session)
        _require_open(current)
        before = audit.snapshot(current, SESSION_FIELDS)
        current.record = record
        current.save(update_fields=["record"])
        audit.record(
            actor=actor,
            action="working_session.write",
            obj=current,
            before=before,
            after=audit.snapshot(current, SESSION_FIELDS),
        )
    session.refresh_from_db()
    return session


def mark_recorded(*, actor: Actor, session: WorkingSession) -> WorkingSession:
    """Make the written record final. It needs a record, and every conflict settled."""
    _require_runner(actor, session)
    with transaction.atomic():
        current = _locked(session)
        _require_open(current)
        if not current.record.strip():
            raise ValidationError({"record": "Write the record before marking the session as written down."})
        open_conflicts = current.conflicts.filter(resolved=False).count()
        if open_conflicts:
            raise ValidationError(
                f"{open_conflicts} conflict{'s are' if open_conflicts != 1 else ' is'} not settled yet; "
                "work out the details first."
            )
        before = audit.snapshot(current, SESSION_FIELDS)
        current.status = SessionStatus.RECORDED
        current.recorded_at = timezone.now()
        current.save(update_fields=["status", "recorded_at"])
        audit.record(
            actor=actor,
            action="working_session.recorded",
            obj=current,
            before=before,
            after=audit.snapshot(current, SESSION_FIELDS),
        )
    session.refresh_from_db()
    return session
