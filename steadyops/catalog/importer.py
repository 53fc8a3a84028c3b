"""Applying a Backstage catalog to the database. Exporting the database as one is `exporter.py`'s.

The reading and checking of files is `backstage.py`'s; this module maps entities onto rows:
Group → Team (matched by slug; created only when asked), User → matched to existing people, never created,
System → System, Component → Service, Resource → Resource, dependsOn/dependencyOf → Dependency.
API and Domain entities have no model here yet and are counted as skipped.

An import first plans every change and collects every problem; with any problem nothing is written. The
changes are then written in one transaction with one audit entry per created or updated object, under the
same action names and fields as the catalog's services. Rows are matched by slug, so importing the same files
again changes nothing; rows an earlier import of the same source created that the files no longer hold are
reported as missing and left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from steadyops.accounts.models import Team, User
from steadyops.catalog import backstage
from steadyops.catalog.backstage import TECHDOCS_REF, Catalog, CatalogError, Entity, EntityRef, Problem
from steadyops.catalog.models import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    RESERVED_SLUGS,
    Dependency,
    Lifecycle,
    Resource,
    ResourceKind,
    Service,
    System,
    Tier,
)
from steadyops.catalog.services import (
    DEPENDENCY_FIELDS,
    RESOURCE_FIELDS,
    SERVICE_FIELDS,
    SYSTEM_FIELDS,
    _name,
    _text,
    clean_links,
    clean_tags,
)
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry

TIER_ANNOTATION = "steadyops.io/tier"
USER_FACING_ANNOTATION = "steadyops.io/user-facing"
SOFT_ANNOTATION = "steadyops.io/dependency-soft"
# Annotations that become fields; the rest are kept as written.
MAPPED_ANNOTATIONS = frozenset({TIER_ANNOTATION, USER_FACING_ANNOTATION, SOFT_ANNOTATION, TECHDOCS_REF})
TEAM_FIELDS = ["slug", "name", "description", "is_operations", "archived_at"]
IMPORT_SYSTEM_FIELDS = SYSTEM_FIELDS
IMPORT_SERVICE_FIELDS = [*SERVICE_FIELDS, "manual_location", "annotations"]
IMPORT_RESOURCE_FIELDS = [*RESOURCE_FIELDS, "annotations"]
BATCH = 500

LIFECYCLES = {
    **dict.fromkeys(("experimental", "development", "dev", "alpha", "beta", "pilot"), Lifecycle.EXPERIMENTAL),
    **dict.fromkeys(("production", "prod", "live", "ga", "stable"), Lifecycle.PRODUCTION),
    **dict.fromkeys(("deprecated", "retired", "retiring", "sunset", "end-of-life", "eol"), Lifecycle.DEPRECATED),
}
RESOURCE_KINDS = {
    **dict.fromkeys(("database", "db", "postgresql", "postgres", "mysql", "mongodb"), ResourceKind.DATABASE),
    **dict.fromkeys(("queue", "message-queue", "kafka-topic", "topic", "rabbitmq"), ResourceKind.QUEUE),
    **dict.fromkeys(("cache", "redis", "memcached"), ResourceKind.CACHE),
    **dict.fromkeys(("storage", "s3-bucket", "bucket", "object-storage", "file-storage"), ResourceKind.STORAGE),
    **dict.fromkeys(("vendor", "external-service", "saas", "third-party"), ResourceKind.VENDOR),
}

Progress = Callable[[str, int, int | None], None]
ComponentKey = tuple[str, str]  # ("service" | "resource", slug)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


@dataclass(frozen=True)
class Change:
    """One row an import creates or updates, with the fields that differ."""

    action: str  # "create" or "update"
    kind: str  # "team", "system", "service", "resource", "dependency"
    label: str
    fields: tuple[FieldChange, ...] = ()

    def __str__(self) -> str:
        sign = "+" if self.action == "create" else "~"
        head = f"{sign} {self.kind} {self.label}"
        return f"{head}: {'; '.join(str(change) for change in self.fields)}" if self.fields else head


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    people_matched: int = 0
    people_unknown: int = 0
    dry_run: bool = False

    @property
    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, missing {len(self.missing)}"
        )


def _show(value: Any) -> str:
    if isinstance(value, models.Model):
        return str(getattr(value, "slug", value.pk))
    if value is None:
        return "none"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def slug_for(ref: EntityRef) -> str:
    """The slug a Backstage entity gets here: its name, prefixed by its namespace unless that is the default."""
    name = ref.name.lower().replace(".", "-")
    if ref.namespace.lower() == backstage.DEFAULT_NAMESPACE:
        return name
    return f"{ref.namespace.lower()}-{name}"


@dataclass
class _Row:
    """A planned create or update: the object with its new values set, and its audit picture before."""

    obj: models.Model
    kind: str
    before: dict[str, Any] | None
    fields: list[str]


class _Planner:
    def __init__(self, catalog: Catalog, *, source: str, create_teams: bool, progress: Progress | None) -> None:
        self.catalog = catalog
        self.source = source[:LOCATION_MAX]
        self.create_teams = create_teams
        self.progress = progress
        self.problems: list[Problem] = []
        self.report = ImportReport()
        self.teams = {team.slug: team for team in Team.objects.all()}
        self.systems = {system.slug: system for system in System.objects.select_related("owner")}
        self.services = {
            service.slug: service
            for service in Service.objects.select_related("owner", "system").prefetch_related("secondary_owners")
        }
        self.resources = {resource.slug: resource for resource in Resource.objects.select_related("owner")}
        self.new_teams: list[Team] = []
        self.rows: list[_Row] = []
        self.dependencies: list[_Row] = []
        self.seen: dict[str, dict[str, Entity]] = {"system": {}, "service": {}, "resource": {}}
        self.file_edges: set[tuple[ComponentKey, ComponentKey]] = set()
        self.existing_edges: dict[tuple[ComponentKey, ComponentKey], Dependency] = {}

    def problem(self, entity: Entity, message: str, spec_field: str | None = None) -> None:
        line = entity.field_lines.get(spec_field, entity.source.line) if spec_field else entity.source.line
        self.problems.append(Problem(entity.source.file, line or entity.source.line, f"{entity.ref}: {message}"))

    def known(self) -> set[EntityRef]:
        default = backstage.DEFAULT_NAMESPACE
        refs = {EntityRef("Group", default, slug) for slug in self.teams}
        refs |= {EntityRef("User", default, name) for name in User.objects.values_list("username", flat=True)}
        refs |= {EntityRef("System", default, slug) for slug in self.systems}
        refs |= {EntityRef("Component", default, slug) for slug in self.services}
        refs |= {EntityRef("Resource", default, slug) for slug in self.resources}
        return refs

    def plan(self) -> ImportReport:
        self.problems += backstage.dangling_references(self.catalog, self.known())
        by_kind: dict[str, list[Entity]] = {}
        for entity in self.catalog.entities:
            by_kind.setdefault(entity.kind, []).append(entity)
        for kind in ("API", "Domain"):
            if by_kind.get(kind):
                self.report.skipped[kind] = len(by_kind[kind])
        if self.catalog.skipped:
            self.report.skipped["other documents"] = self.catalog.skipped
        self.plan_people(by_kind.get("User", []))
        for group in by_kind.get("Group", []):
            self.plan_group(group)
        planned = [*by_kind.get("System", []), *by_kind.get("Resource", []), *by_kind.get("Component", [])]
        for done, entity in enumerate(planned, 1):
            slug = self.slug(entity)
            if slug is not None:
                {"System": self.plan_system, "Resource": self.plan_resource, "Component": self.plan_service}[
                    entity.kind
                ](entity, slug)
            if self.progress is not None and done % 100 == 0:
                self.progress("checking", done, len(planned))
        self.plan_dependencies([*by_kind.get("Resource", []), *by_kind.get("Component", [])])
        self.find_missing()
        if self.problems:
            raise CatalogError(sorted(self.problems, key=lambda p: (p.file, p.line or 0)))
        return self.report

    # --- people and teams -----------------------------------------------------

    def plan_people(self, users: list[Entity]) -> None:
        names = {user.name.lower() for user in users}
        found = {
            name.lower()
            for name in User.objects.filter(username__in=[u.name for u in users]).values_list("username", flat=True)
        }
        self.report.people_matched = len(names & found)
        self.report.people_unknown = len(names - found)

    def plan_group(self, group: Entity) -> None:
        slug = slug_for(group.ref)
        if slug in self.teams:
            self.report.unchanged += 1
            return
        if not self.create_teams:
            self.report.skipped["Group with no team"] = self.report.skipped.get("Group with no team", 0) + 1
            return
        name = (group.title or group.name).strip()
        team = Team(slug=slug, name=name, description=group.description or "", is_operations=True)
        if any(existing.name.lower() == name.lower() for existing in [*self.teams.values(), *self.new_teams]):
            self.problem(group, f"a team named {name!r} already exists with another slug")
            return
        try:
            team.full_clean(validate_unique=False)
        except ValidationError as error:
            self.problem(group, _messages(error))
            return
        self.teams[slug] = team
        self.new_teams.append(team)
        self.add(_Row(team, "team", None, TEAM_FIELDS))

    def owner(self, entity: Entity, *, operations: bool) -> Team | None:
        targets = entity.targets("owner")
        if not targets:
            self.problem(entity, "spec.owner is required", "owner")
            return None
        ref = targets[0]
        if ref.kind != "Group":
            self.problem(entity, f"the owner {ref} must be a group (a team), not a {ref.kind}", "owner")
            return None
        team = self.teams.get(slug_for(ref))
        if team is None:
            hint = "" if self.create_teams else ", or import with --create-teams"
            self.problem(entity, f"the owner {ref} is not a team in steadyops; create the team first{hint}", "owner")
            return None
        if team.archived_at is not None:
            self.problem(entity, f"the owning team {team.slug} is archived", "owner")
            return None
        if operations and not team.is_operations:
            self.problem(entity, f"{team.slug} is a business team; services belong to operations teams", "owner")
            return None
        return team

    # --- systems, services, resources -----------------------------------------

    def slug(self, entity: Entity) -> str | None:
        slug = slug_for(entity.ref)
        kind = {"System": "system", "Component": "service", "Resource": "resource"}[entity.kind]
        if len(slug) > 50:
            self.problem(entity, f"the name gives the slug {slug!r}, longer than 50 characters")
        elif slug in RESERVED_SLUGS:
            self.problem(entity, f"the name {slug!r} is kept for the page that adds entries; choose another")
        elif slug in self.seen[kind]:
            other = self.seen[kind][slug]
            self.problem(entity, f"gets the same slug {slug!r} as {other.ref} at {other.source}")
        else:
            self.seen[kind][slug] = entity
            return slug
        return None

    def common(self, entity: Entity) -> dict[str, Any] | None:
        try:
            name = _name(entity.title or entity.name)
            description = _text(entity.description or "", "description", DESCRIPTION_MAX)
        except ValidationError as error:
            self.problem(entity, _messages(error))
            return None
        return {"name": name, "description": description}

    def plan_system(self, entity: Entity, slug: str) -> None:
        values = self.common(entity)
        owner = self.owner(entity, operations=False)
        if values is None or owner is None:
            return
        values["owner"] = owner
        clash = next(
            (s for s in self.systems.values() if s.slug != slug and s.name.lower() == values["name"].lower()), None
        )
        if clash is not None:
            self.problem(entity, f"the system {clash.slug} already has the name {values['name']!r}")
            return
        system = self.systems.get(slug)
        new = System(slug=slug, import_source=self.source)
        self.apply(entity, system or new, values, "system", IMPORT_SYSTEM_FIELDS)

    def annotations(self, entity: Entity) -> dict[str, str]:
        return {key: value for key, value in entity.annotations.items() if key not in MAPPED_ANNOTATIONS}

    def plan_service(self, entity: Entity, slug: str) -> None:
        values = self.common(entity)
        owner = self.owner(entity, operations=True)
        if values is None or owner is None:
            return
        spec, notes = entity.spec, entity.annotations
        lifecycle = LIFECYCLES.get(str(spec.get("lifecycle", "")).lower())
        if lifecycle is None:
            choices = ", ".join(Lifecycle.values)
            self.problem(
                entity, f"lifecycle {spec.get('lifecycle')!r} is not one steadyops knows: use {choices}", "lifecycle"
            )
            return
        tier = Tier.SUPPORTING.value
        if TIER_ANNOTATION in notes:
            if notes[TIER_ANNOTATION].strip() not in ("1", "2", "3", "4"):
                self.problem(entity, f"the annotation {TIER_ANNOTATION} must be 1, 2, 3 or 4")
                return
            tier = int(notes[TIER_ANNOTATION])
        user_facing = str(spec.get("type", "")).lower() == "website"
        if USER_FACING_ANNOTATION in notes:
            if notes[USER_FACING_ANNOTATION].strip().lower() not in ("true", "false"):
                self.problem(entity, f"the annotation {USER_FACING_ANNOTATION} must be true or false")
                return
            user_facing = notes[USER_FACING_ANNOTATION].strip().lower() == "true"
        system = None
        if entity.targets("system"):
            system = self.system_for(entity, entity.targets("system")[0])
            if system is None:
                return
        manual = notes.get(TECHDOCS_REF, "").strip()
        if len(manual) > LOCATION_MAX:
            self.problem(entity, f"the annotation {TECHDOCS_REF} is longer than {LOCATION_MAX} characters")
            return
        try:
            tags = clean_tags(entity.tags)
            links = clean_links([{"title": link.get("title", ""), "url": link["url"]} for link in entity.links])
        except ValidationError as error:
            self.problem(entity, _messages(error))
            return
        values.update(
            owner=owner,
            lifecycle=lifecycle,
            tier=tier,
            user_facing=user_facing,
            system=system,
            tags=tags,
            links=links,
            manual_location=manual,
            annotations=self.annotations(entity),
        )
        existing = self.services.get(slug)
        self.apply(
            entity, existing or Service(slug=slug, import_source=self.source), values, "service", IMPORT_SERVICE_FIELDS
        )

    def system_for(self, entity: Entity, ref: EntityRef) -> System | None:
        if ref.kind != "System":
            self.problem(entity, f"spec.system must name a System, not {ref}", "system")
            return None
        system = self.systems.get(slug_for(ref))
        if system is None:
            return None  # its own problem was reported where the system is written
        if system.archived_at is not None:
            self.problem(entity, f"the system {system.slug} is archived", "system")
            return None
        return system

    def plan_resource(self, entity: Entity, slug: str) -> None:
        values = self.common(entity)
        owner = self.owner(entity, operations=True)
        if values is None or owner is None:
            return
        values.update(
            owner=owner,
            kind=RESOURCE_KINDS.get(str(entity.spec.get("type", "")).lower(), ResourceKind.OTHER),
            annotations=self.annotations(entity),
        )
        existing = self.resources.get(slug)
        self.apply(
            entity,
            existing or Resource(slug=slug, import_source=self.source),
            values,
            "resource",
            IMPORT_RESOURCE_FIELDS,
        )

    def apply(self, entity: Entity, obj: Any, values: dict[str, Any], kind: str, fields: list[str]) -> None:
        if obj.pk is not None and obj.archived_at is not None:
            self.problem(entity, f"the {kind} {obj.slug} is archived in steadyops; restore it or rename the entity")
            return
        before = None if obj.pk is None else audit.snapshot(obj, fields)
        changed = []
        for name, value in values.items():
            if obj.pk is not None:
                old = getattr(obj, name)
                if _value(old) == _value(value):
                    continue
                changed.append(FieldChange(name, _show(old), _show(value)))
            setattr(obj, name, value)
        if obj.pk is not None and not changed:
            self.report.unchanged += 1
            self.register(kind, obj)
            return
        try:
            obj.full_clean(
                exclude=["owner", "system", "secondary_owners"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self.problem(entity, _messages(error))
            return
        self.register(kind, obj)
        self.add(_Row(obj, kind, before, fields), tuple(changed))

    def register(self, kind: str, obj: Any) -> None:
        registry: dict[str, dict[str, Any]] = {
            "system": self.systems,
            "service": self.services,
            "resource": self.resources,
        }
        registry[kind][obj.slug] = obj

    def add(self, row: _Row, changed: tuple[FieldChange, ...] = ()) -> None:
        created = row.before is None
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1
        (self.dependencies if row.kind == "dependency" else self.rows).append(row)
        label = _label(row.obj)
        self.report.changes.append(Change("create" if created else "update", row.kind, label, changed))

    # --- dependencies ---------------------------------------------------------

    def component(self, entity: Entity, ref: EntityRef, spec_field: str) -> Service | Resource | None:
        if ref.kind == "Component":
            return self.services.get(slug_for(ref))
        if ref.kind == "Resource":
            return self.resources.get(slug_for(ref))
        self.problem(
            entity, f"{ref} in spec.{spec_field}: dependencies are between components and resources", spec_field
        )
        return None

    def plan_dependencies(self, entities: list[Entity]) -> None:
        edges: dict[tuple[ComponentKey, ComponentKey], tuple[Service | Resource, Service | Resource, bool]] = {}
        for entity in entities:
            this = self.component(entity, entity.ref, "dependsOn")
            if this is None:
                continue
            soft = self.soft_targets(entity)
            if soft is None:
                continue
            for spec_field in ("dependsOn", "dependencyOf"):
                for ref in entity.targets(spec_field):
                    other = self.component(entity, ref, spec_field)
                    if other is None:
                        continue
                    if other is this:
                        self.problem(entity, "cannot depend on itself", spec_field)
                        continue
                    if other.archived_at is not None:
                        self.problem(entity, f"{ref} is archived in steadyops", spec_field)
                        continue
                    source, target = (this, other) if spec_field == "dependsOn" else (other, this)
                    key = (_key(source), _key(target))
                    hard = not (spec_field == "dependsOn" and ref.key in soft)
                    if key in edges:
                        hard = hard and edges[key][2]
                    edges[key] = (source, target, hard)
        existing = {
            (_key(dep.source), _key(dep.target)): dep
            for dep in Dependency.objects.select_related(
                "source_service", "source_resource", "target_service", "target_resource"
            )
        }
        self.file_edges = set(edges)
        self.existing_edges = existing
        for key, (source, target, hard) in edges.items():
            dependency = existing.get(key)
            if dependency is None:
                dependency = Dependency(hard=hard, **_ends(source, target))
                self.add(_Row(dependency, "dependency", None, []))
            elif dependency.hard != hard:
                before = {"hard": dependency.hard}
                self.report.updated += 1
                dependency.hard = hard
                self.dependencies.append(_Row(dependency, "dependency", before, []))
                change = FieldChange("hard", _show(before["hard"]), _show(hard))
                self.report.changes.append(Change("update", "dependency", _label(dependency), (change,)))
            else:
                self.report.unchanged += 1

    def soft_targets(self, entity: Entity) -> set[tuple[str, str, str]] | None:
        text = entity.annotations.get(SOFT_ANNOTATION)
        if text is None:
            return set()
        depends = entity.targets("dependsOn")
        soft: set[tuple[str, str, str]] = set()
        for item in (part.strip().lower() for part in text.split(",")):
            if not item:
                continue
            matches = [
                ref
                for ref in depends
                if item in (ref.name.lower(), f"{ref.kind.lower()}:{ref.name.lower()}", str(ref).lower())
            ]
            if not matches:
                self.problem(entity, f"{SOFT_ANNOTATION} names {item!r}, which is not in spec.dependsOn")
                return None
            soft.update(ref.key for ref in matches)
        return soft

    # --- missing --------------------------------------------------------------

    def find_missing(self) -> None:
        registries: list[tuple[str, dict[str, Any]]] = [
            ("system", self.systems),
            ("service", self.services),
            ("resource", self.resources),
        ]
        for kind, rows in registries:
            for slug, obj in sorted(rows.items()):
                if obj.import_source == self.source and obj.archived_at is None and slug not in self.seen[kind]:
                    self.report.missing.append(f"{kind} {slug}")
        imported = {
            _key(obj)
            for rows in (self.services, self.resources)
            for obj in rows.values()
            if obj.import_source == self.source and obj.pk is not None
        }
        for key, dependency in sorted(self.existing_edges.items()):
            if key[0] in imported and key not in self.file_edges:
                self.report.missing.append(f"dependency {_label(dependency)}")


def _value(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _key(component: Service | Resource) -> ComponentKey:
    return ("service" if isinstance(component, Service) else "resource", component.slug)


def _ends(source: Service | Resource, target: Service | Resource) -> dict[str, Any]:
    return {
        "source_service": source if isinstance(source, Service) else None,
        "source_resource": source if isinstance(source, Resource) else None,
        "target_service": target if isinstance(target, Service) else None,
        "target_resource": target if isinstance(target, Resource) else None,
    }


def _label(obj: models.Model) -> str:
    if isinstance(obj, Dependency):
        return f"{obj.source.slug} → {obj.target.slug}"
    return str(getattr(obj, "slug", obj.pk))


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


# --- writing ------------------------------------------------------------------


def _entry(
    actor: Actor, action: str, obj: models.Model, before: dict[str, Any] | None, after: dict[str, Any]
) -> AuditEntry:
    # The same entry audit.record() writes, built here so that thousands can be inserted together.
    return AuditEntry(
        actor=actor.user,
        actor_label=actor.label[:200],
        token=actor.token,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        request_id=actor.request_id,
    )


def _after(row: _Row) -> dict[str, Any]:
    if isinstance(row.obj, Service) and row.before is None:
        # A new service has no secondary owners; reading them would cost a query per service.
        picture = audit.snapshot(row.obj, [f for f in row.fields if f != "secondary_owners"])
        return {**picture, "secondary_owners": [], "import_source": row.obj.import_source}
    picture = audit.snapshot(row.obj, row.fields)
    if row.before is None and hasattr(row.obj, "import_source"):
        picture["import_source"] = row.obj.import_source
    return picture


def _write(actor: Actor, planner: _Planner, progress: Progress | None) -> None:
    entries: list[AuditEntry] = []
    total = len(planner.rows) + len(planner.dependencies)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress("writing", done, total)

    for kind in ("team", "system", "resource", "service"):
        rows = [row for row in planner.rows if row.kind == kind]
        new = [row for row in rows if row.before is None]
        for start in range(0, len(new), BATCH):
            batch = new[start : start + BATCH]
            type(batch[0].obj)._default_manager.bulk_create([row.obj for row in batch])
            action = "team.create" if kind == "team" else f"{kind}.create"
            entries += [_entry(actor, action, row.obj, None, _after(row)) for row in batch]
            advance(len(batch))
        for row in rows:
            if row.before is not None:
                row.obj.save()
                entries.append(_entry(actor, f"{kind}.update", row.obj, row.before, _after(row)))
                advance(1)
    new_deps = [row for row in planner.dependencies if row.before is None]
    for start in range(0, len(new_deps), BATCH):
        batch = new_deps[start : start + BATCH]
        Dependency.objects.bulk_create([cast(Dependency, row.obj) for row in batch])
        entries += [
            _entry(actor, "dependency.add", row.obj, None, audit.snapshot(row.obj, DEPENDENCY_FIELDS)) for row in batch
        ]
        advance(len(batch))
    for row in planner.dependencies:
        if row.before is not None:
            before = audit.snapshot(row.obj, DEPENDENCY_FIELDS) | row.before
            row.obj.save(update_fields=["hard"])
            entries.append(
                _entry(actor, "dependency.update", row.obj, before, audit.snapshot(row.obj, DEPENDENCY_FIELDS))
            )
            advance(1)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the import must write inside one transaction")
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)


def import_catalog(
    *,
    actor: Actor,
    path: Path | str,
    dry_run: bool = False,
    create_teams: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Apply the Backstage catalog at `path` (a file, or a folder of `catalog-info.yaml` files) to the database.

    Administrators only. Raises `CatalogError` listing every problem (file, line, reason); then nothing is
    written. With `dry_run`, the report lists the changes and nothing is written. `create_teams` creates a team
    for each Group that matches none; otherwise an owner that is not a team is a problem.
    """
    if not permissions.is_admin(actor.user):
        raise PermissionDenied("Only administrators import catalogs.")
    location = Path(path)

    def on_file(name: str, entities: int) -> None:
        if progress is not None:
            progress("reading", entities, None)

    catalog = backstage.read_catalog(location, on_file=on_file)
    source = str(location.resolve())
    if dry_run:
        report = _Planner(catalog, source=source, create_teams=create_teams, progress=progress).plan()
        report.dry_run = True
        return report
    with transaction.atomic():
        planner = _Planner(catalog, source=source, create_teams=create_teams, progress=progress)
        report = planner.plan()
        _write(actor, planner, progress)
    return report


__all__ = ["Change", "FieldChange", "ImportReport", "import_catalog", "slug_for"]
