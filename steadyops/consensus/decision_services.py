"""Domain operations on the decision log: write a decision down, change it, supersede it, withdraw it.

Pages, API, CLI imports and demo data all go through these functions, which check permissions, validate, and
write the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone

from steadyops.accounts.models import Team
from steadyops.consensus import adr
from steadyops.consensus.models import Decision, DecisionStatus
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters

TITLE_MAX = 200
PEOPLE_MAX = 2_000
SECTION_MAX = 100_000
NUMBER_MAX = 999_999
TEXT_FIELDS = (
    "decision_makers",
    "consulted",
    "informed",
    "context_and_problem",
    "decision_drivers",
    "considered_options",
    "pros_and_cons",
    "decision_outcome",
    "consequences",
    "confirmation",
    "more_information",
)
PEOPLE_FIELDS = ("decision_makers", "consulted", "informed")
AUDITED_FIELDS = ["number", "title", "status", "date", "team", "supersedes", "withdrawn_at", *TEXT_FIELDS]
# Statuses a person sets directly; "superseded" follows only from superseding.
SETTABLE_STATUSES = (
    DecisionStatus.PROPOSED,
    DecisionStatus.ACCEPTED,
    DecisionStatus.REJECTED,
    DecisionStatus.DEPRECATED,
)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the decision a title."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title to {TITLE_MAX} characters or fewer."})
    if has_control_characters(title):
        raise ValidationError({"title": "The title contains characters that cannot be shown."})
    return title


def _clean_text(field: str, value: str | None) -> str:
    value = (value or "").replace("\r\n", "\n")
    limit = PEOPLE_MAX if field in PEOPLE_FIELDS else SECTION_MAX
    if len(value) > limit:
        raise ValidationError({field: f"Keep this to {limit:,} characters or fewer."})
    if "\x00" in value:
        raise ValidationError({field: "This text contains a character that cannot be stored."})
    return value


def _clean_status(status: str, *, allow_superseded: bool = False) -> str:
    allowed = [str(value) for value in (DecisionStatus.values if allow_superseded else SETTABLE_STATUSES)]
    if status not in allowed:
        raise ValidationError({"status": f"Choose one of: {', '.join(allowed)}."})
    return status


def _check_team(actor: Actor, team: Team | None) -> None:
    if team is None:
        return
    if team.archived_at is not None:
        raise ValidationError({"team": "That team is archived."})
    if not (permissions.is_admin(actor.user) or permissions.member_of(actor.user, team)):
        raise ValidationError({"team": "Keep the decision for a team you belong to."})


def next_number() -> int:
    """The ADR number the next new decision gets."""
    return (Decision.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _linked(decision: Decision, links: dict[str, list[Model]] | None) -> None:
    for name, items in (links or {}).items():
        if items:
            getattr(decision, name).add(*items)


def create_decision(
    *,
    actor: Actor,
    title: str,
    status: str = DecisionStatus.PROPOSED,
    date: Date | None = None,
    team: Team | None = None,
    number: int | None = None,
    links: dict[str, list[Model]] | None = None,
    **texts: str,
) -> Decision:
    """Write a new decision down (anyone who takes part may propose one). It gets the next ADR number unless
    one is given; `links` maps "boards"/"sessions"/"topics" to the items it came out of."""
    _require(permissions.can_take_part(actor.user), "Viewers cannot write decisions down.")
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {field: _clean_text(field, texts.get(field, "")) for field in TEXT_FIELDS}
    fields["title"] = _clean_title(title)
    fields["status"] = _clean_status(status)
    _check_team(actor, team)
    if number is not None and not 1 <= number <= NUMBER_MAX:
        raise ValidationError({"number": f"A decision number is between 1 and {NUMBER_MAX}."})
    if number is not None and Decision.objects.filter(number=number).exists():
        raise ValidationError({"number": f"Decision {number} already exists."})
    for attempt in range(3):
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    number=number or next_number(),
                    date=date or timezone.localdate(),
                    team=team,
                    created_by=actor.user if actor.user is not None and actor.user.pk else None,
                    **fields,
                )
                _linked(decision, links)
                audit.record(
                    actor=actor,
                    action="decision.create",
                    obj=decision,
                    after=audit.snapshot(decision, AUDITED_FIELDS),
                )
                return decision
        except IntegrityError:
            # Two people took the same next number at once; the later one tries the number after.
            if number is not None or attempt == 2:
                raise ValidationError({"number": "That decision number was just taken; try again."}) from None
    raise AssertionError("unreachable")


def update_decision(
    *,
    actor: Actor,
    decision: Decision,
    title: str,
    status: str,
    date: Date | None,
    team: Team | None,
    links: dict[str, list[Model]] | None = None,
    **texts: str,
) -> Decision:
    """Change what a decision says or its status (those who run it: its author, its team, administrators).
    Superseding is its own operation; a superseded or withdrawn decision keeps its status here."""
    _require(
        permissions.can_run_consensus(actor.user, decision),
        "Only its author, its team or an administrator can change this decision.",
    )
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {', '.join(sorted(unknown))}")
    if decision.status == DecisionStatus.SUPERSEDED and status != DecisionStatus.SUPERSEDED:
        raise ValidationError({"status": "This decision was replaced by a later one; its status stays superseded."})
    cleaned_status = (
        _clean_status(status) if decision.status != DecisionStatus.SUPERSEDED else DecisionStatus.SUPERSEDED
    )
    if team is not None and team.pk != decision.team_id:
        _check_team(actor, team)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        before = audit.snapshot(decision, AUDITED_FIELDS)
        decision.title = _clean_title(title)
        decision.status = cleaned_status
        decision.date = date
        decision.team = team
        for field in TEXT_FIELDS:
            if field in texts:
                setattr(decision, field, _clean_text(field, texts[field]))
        decision.save()
        _linked(decision, links)
        after = audit.snapshot(decision, AUDITED_FIELDS)
        if after != before:
            audit.record(actor=actor, action="decision.update", obj=decision, before=before, after=after)
    return decision


def supersede_decision(*, actor: Actor, old: Decision, new: Decision) -> Decision:
    """Record that `new` replaces `old`: new points back to old, and old's status becomes superseded. Needs the
    right to run both records."""
    _require(
        permissions.can_run_consensus(actor.user, old) and permissions.can_run_consensus(actor.user, new),
        "Only those who run both decisions can say one replaces the other.",
    )
    if old.pk == new.pk:
        raise ValidationError({"supersedes": "A decision cannot replace itself."})
    if old.withdrawn_at is not None or new.withdrawn_at is not None:
        raise ValidationError({"supersedes": "A withdrawn decision cannot take part in a replacement."})
    if old.status == DecisionStatus.SUPERSEDED:
        raise ValidationError({"supersedes": f"Decision {old.number} was already replaced."})
    if new.supersedes_id is not None and new.supersedes_id != old.pk:
        raise ValidationError({"supersedes": f"Decision {new.number} already replaces another decision."})
    # Walking back from old must not reach new, or the chain would loop.
    seen: set[int] = set()
    cursor: Decision | None = old
    while cursor is not None and cursor.pk not in seen:
        if cursor.pk == new.pk:
            raise ValidationError({"supersedes": "That would make the chain of replacements go round in a circle."})
        seen.add(cursor.pk)
        cursor = cursor.supersedes
    with transaction.atomic():
        old = Decision.objects.select_for_update().get(pk=old.pk)
        new = Decision.objects.select_for_update().get(pk=new.pk)
        before_old, before_new = audit.snapshot(old, AUDITED_FIELDS), audit.snapshot(new, AUDITED_FIELDS)
        new.supersedes = old
        new.save(update_fields=["supersedes", "updated_at"])
        old.status = DecisionStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action="decision.supersede",
            obj=new,
            before=before_new,
            after=audit.snapshot(new, AUDITED_FIELDS),
        )
        audit.record(
            actor=actor,
            action="decision.superseded",
            obj=old,
            before=before_old,
            after=audit.snapshot(old, AUDITED_FIELDS),
        )
    return new


def withdraw_decision(*, actor: Actor, decision: Decision) -> Decision:
    """Withdraw a record written by mistake: it stays in the log, marked withdrawn, and is no longer offered
    as a similar past decision."""
    _require(
        permissions.can_run_consensus(actor.user, decision),
        "Only its author, its team or an administrator can withdraw this decision.",
    )
    if decision.withdrawn_at is not None:
        raise ValidationError({"withdrawn_at": "This decision is already withdrawn."})
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        before = audit.snapshot(decision, AUDITED_FIELDS)
        decision.withdrawn_at = timezone.now()
        decision.save(update_fields=["withdrawn_at", "updated_at"])
        audit.record(
            actor=actor,
            action="decision.withdraw",
            obj=decision,
            before=before,
            after=audit.snapshot(decision, AUDITED_FIELDS),
        )
    return decision


def supersede_chain(decision: Decision, *, limit: int = 50) -> tuple[list[Decision], list[Decision]]:
    """The decisions this one replaced (newest first) and those that replaced it (oldest first), following
    the chain both ways, at most `limit` each way."""
    earlier: list[Decision] = []
    seen = {decision.pk}
    cursor = decision.supersedes
    while cursor is not None and cursor.pk not in seen and len(earlier) < limit:
        earlier.append(cursor)
        seen.add(cursor.pk)
        cursor = cursor.supersedes
    later: list[Decision] = []
    current = decision
    while len(later) < limit:
        following = Decision.objects.filter(supersedes=current).order_by("number").first()
        if following is None or following.pk in seen:
            break
        later.append(following)
        seen.add(following.pk)
        current = following
    return earlier, later


# --- ADR files in and out ----------------------------------------------------------------------------------

# Where projects keep their records, looked for under a folder given to import.
RECORD_FOLDERS = ("doc/adr", "docs/adr", "docs/decisions", "doc/decisions", "docs/architecture/decisions")


class ImportFailed(Exception):
    """An import that wrote nothing, with every problem found (file, line, reason)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), file by file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    folder: str = ""
    dry_run: bool = False

    @property
    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


def records_folder(directory: Path) -> Path:
    """The folder holding the records: directory itself, or the usual place inside a project (doc/adr, …)."""
    for candidate in RECORD_FOLDERS:
        inside = directory / candidate
        if inside.is_dir() and not any(is_decision_file(entry.name) for entry in directory.iterdir()):
            return inside
    return directory


def _read_folder(folder: Path) -> tuple[list[adr.AdrRecord], list[str], list[str]]:
    """Every decision file in folder, read; the names of other files skipped; and the problems found."""
    root = folder.resolve()
    records: list[adr.AdrRecord] = []
    skipped: list[str] = []
    problems: list[str] = []
    entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    candidates = [entry for entry in entries if is_decision_file(entry.name)]
    skipped = [entry.name for entry in entries if not is_decision_file(entry.name)]
    if len(candidates) > adr.MAX_FILES:
        raise ImportFailed([f"{folder}: {len(candidates)} decision files; at most {adr.MAX_FILES:,} at once"])
    for entry in candidates:
        name = entry.name
        if entry.is_symlink():
            target = entry.resolve()
            if not target.is_relative_to(root):
                problems.append(f"{name}, line 1: a link to a file outside the folder is not followed")
                continue
        if not entry.is_file():
            problems.append(f"{name}, line 1: not a regular file")
            continue
        if entry.stat().st_size > adr.MAX_FILE_BYTES:
            problems.append(f"{name}, line 1: the file is larger than {adr.MAX_FILE_BYTES // 1024} KiB")
            continue
        try:
            records.append(adr.read_file(name, entry.read_bytes()))
        except adr.AdrError as error:
            problems.append(str(error))
    return records, skipped, problems


def is_decision_file(name: str) -> bool:
    return adr.is_decision_file(name)


def _record_values(record: adr.AdrRecord) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(record, name) for name in TEXT_FIELDS}
    values.update(title=record.title, status=record.status, date=record.date)
    return values


def _check_record(record: adr.AdrRecord) -> list[str]:
    problems = []
    try:
        _clean_title(record.title)
    except ValidationError as error:
        problems.append(f"{record.path}, line 1: {' '.join(error.messages)}")
    for name in TEXT_FIELDS:
        try:
            _clean_text(name, getattr(record, name))
        except ValidationError as error:
            problems.append(f"{record.path}: {name.replace('_', ' ')}: {' '.join(error.messages)}")
    return problems


def import_decisions(*, actor: Actor, directory: Path, dry_run: bool = False) -> ImportReport:
    """Read every decision file (MADR 2-4, adr-tools, log4brains) in directory and bring the log in line with
    them, all or nothing: one bad file imports nothing, and ImportFailed names every file, line and reason.
    A file imported before (same path) is updated in place; importing the same files again changes nothing."""
    _require(permissions.can_take_part(actor.user), "Viewers cannot import decisions.")
    if not directory.is_dir():
        raise ImportFailed([f"{directory}: not a folder"])
    folder = records_folder(directory)
    records, skipped, problems = _read_folder(folder)
    for record in records:
        problems.extend(_check_record(record))
    if problems:
        raise ImportFailed(problems)
    report = ImportReport(skipped=skipped, folder=str(folder), dry_run=dry_run)
    with transaction.atomic():
        by_path = {d.source_path: d for d in Decision.objects.filter(source_path__in=[r.path for r in records])}
        taken = set(Decision.objects.values_list("number", flat=True))
        seen_numbers: dict[int, str] = {}
        next_free = max(taken, default=0) + 1
        for record in records:
            existing = by_path.get(record.path)
            if record.number is None:
                # log4brains names files by date: keep the number given before, or take the next one.
                if existing is not None:
                    record.number = existing.number
                else:
                    while next_free in taken or next_free in seen_numbers:
                        next_free += 1
                    record.number = next_free
            if record.number in seen_numbers:
                problems.append(
                    f"{record.path}, line 1: number {record.number} is also {seen_numbers[record.number]}'s"
                )
            seen_numbers[record.number] = record.path
        if problems:
            raise ImportFailed(problems)
        saved: dict[int, Decision] = {}
        for record in records:
            saved[record.number or 0] = _import_one(actor, record, by_path.get(record.path), report, problems)
        if problems:
            raise ImportFailed(problems)
        _import_chain(actor, records, saved)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(
    actor: Actor, record: adr.AdrRecord, existing: Decision | None, report: ImportReport, problems: list[str]
) -> Decision:
    assert record.document is not None
    assert record.number is not None
    text = record.document.text()
    values = _record_values(record)
    values["title"] = _clean_title(record.title)
    if existing is None:
        existing = Decision.objects.filter(number=record.number).first()
        if existing is not None and existing.source_path and existing.source_path != record.path:
            problems.append(f"{record.path}, line 1: decision {record.number} was imported from {existing.source_path}")
            return existing
    if existing is None:
        decision = Decision.objects.create(
            number=record.number,
            created_by=actor.user if actor.user is not None and actor.user.pk else None,
            source_path=record.path,
            source_format=record.format,
            source_text=text,
            **values,
        )
        audit.record(
            actor=actor, action="decision.import", obj=decision, after=audit.snapshot(decision, AUDITED_FIELDS)
        )
        report.created.append(record.path)
        return decision
    if not permissions.can_run_consensus(actor.user, existing):
        problems.append(f"{record.path}, line 1: decision {existing.number} is not yours to change")
        return existing
    before = audit.snapshot(existing, AUDITED_FIELDS)
    same = all(getattr(existing, key) == value for key, value in values.items()) and existing.number == record.number
    if same and existing.source_text == text and existing.source_path == record.path:
        report.unchanged.append(record.path)
        return existing
    for key, value in values.items():
        setattr(existing, key, value)
    existing.number = record.number
    existing.source_path, existing.source_format, existing.source_text = record.path, record.format, text
    existing.save()
    after = audit.snapshot(existing, AUDITED_FIELDS)
    audit.record(actor=actor, action="decision.import", obj=existing, before=before, after=after)
    report.updated.append(record.path)
    return existing


def _import_chain(actor: Actor, records: list[adr.AdrRecord], saved: dict[int, Decision]) -> None:
    """Link replacements the files name ("superseded by 5", "Supercedes [2. …]") where both records exist."""
    numbers = [number for record in records for number in (record.supersedes, record.superseded_by) if number]
    known = {d.number: d for d in Decision.objects.filter(number__in=numbers)} | saved
    for record in records:
        decision = saved[record.number or 0]
        pairs = []
        if record.supersedes is not None and record.supersedes in known:
            pairs.append((known[record.supersedes], decision))
        if record.superseded_by is not None and record.superseded_by in known:
            pairs.append((decision, known[record.superseded_by]))
        for old, new in pairs:
            if old.pk != new.pk and new.supersedes_id != old.pk and new.supersedes_id is None:
                new.supersedes = old
                new.save(update_fields=["supersedes", "updated_at"])
                audit.record(actor=actor, action="decision.supersede", obj=new, after={"supersedes": old.pk})


def decision_record(decision: Decision, *, format: str) -> adr.AdrRecord:
    """The ADR record for a decision, carrying the file it was imported from when that is in this format."""
    document = None
    path = adr.file_name(adr.AdrRecord(number=decision.number, title=decision.title))
    if decision.source_text and decision.source_format == format:
        try:
            source = adr.parse(decision.source_path or path, decision.source_text, format=format)
        except adr.AdrError:
            source = None
        if source is not None:
            document, path = source.document, decision.source_path.rsplit("/", 1)[-1] or path
    later = decision.superseded_by.order_by("number").first()
    return adr.AdrRecord(
        number=decision.number,
        title=decision.title,
        status=decision.status,
        date=decision.date,
        supersedes=decision.supersedes.number if decision.supersedes is not None else None,
        superseded_by=later.number if later is not None else None,
        format=format,
        path=path,
        document=document,
        **{name: getattr(decision, name) for name in TEXT_FIELDS},
    )


def export_decisions(*, directory: Path, format: str) -> list[Path]:
    """Write every decision that is not withdrawn to directory as NNNN-title.md files in format ('madr' or
    'adr-tools'). A decision imported in that format is written back as it came, with only its changes."""
    if format not in adr.FORMATS:
        raise ValueError(f"Unknown format {format!r}; use one of {', '.join(adr.FORMATS)}.")
    decisions = list(
        Decision.objects.filter(withdrawn_at=None)
        .select_related("supersedes")
        .prefetch_related("superseded_by")
        .order_by("number")
    )
    records = [decision_record(decision, format=format) for decision in decisions]
    names = {record.number or 0: record.path for record in records}
    files = [(record.path, adr.write(record, format=format, names=names)) for record in records]
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files:
        target = directory / name
        target.write_bytes(text.encode("utf-8"))
        written.append(target)
    return written
