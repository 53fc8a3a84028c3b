"""Domain operations on the catalog: systems, services, resources, dependencies and capacity.

Pages, API, demo data and imports all change the catalog through these functions, which check permissions,
validate, and write the audit log in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from steadyops.accounts.models import Team
from steadyops.catalog.models import (
    DESCRIPTION_MAX,
    LINK_TITLE_MAX,
    LINK_URL_MAX,
    LINKS_MAX,
    RESERVED_SLUGS,
    TAG_MAX,
    TAGS_MAX,
    TEXT_MAX,
    Capacity,
    Degrades,
    Dependency,
    Environment,
    Lifecycle,
    Resource,
    ResourceKind,
    Service,
    System,
    Tier,
)
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters

SYSTEM_FIELDS = ["slug", "name", "description", "owner", "archived_at"]
SERVICE_FIELDS = [
    "slug",
    "name",
    "description",
    "tier",
    "lifecycle",
    "owner",
    "secondary_owners",
    "user_facing",
    "system",
    "tags",
    "links",
    "archived_at",
]
RESOURCE_FIELDS = ["slug", "name", "kind", "owner", "description", "archived_at"]
DEPENDENCY_FIELDS = [
    "source_service",
    "source_resource",
    "target_service",
    "target_resource",
    "hard",
    "degrades",
    "fallback",
    "note",
]
CAPACITY_FIELDS = [
    "instances",
    "zones",
    "regions",
    "per_instance_capacity",
    "unit",
    "load_test_date",
    "load_test_method",
    "load_test_rate",
    "latency_objective_ms",
    "target_utilisation",
    "redundancy_intent",
    "provisioning_lead_time_days",
    "pool_repurposable",
    "note",
]

Component = Service | Resource


class NeedsConfirmation(Exception):
    """A change that is allowed but takes something away from others: the person sees who is affected and
    asks again with confirmed=True. Nothing has been written when it is raised."""

    def __init__(self, message: str, affected: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.affected = affected


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def hard_dependents(component: Component) -> list[str]:
    """The names of the current components that need this one hard, in alphabetical order."""
    found = Dependency.objects.filter(hard=True).select_related("source_service", "source_resource")
    if isinstance(component, Service):
        found = found.filter(target_service=component)
    else:
        found = found.filter(target_resource=component)
    sources = [dependency.source for dependency in found]
    return sorted({source.name for source in sources if source.archived_at is None}, key=str.casefold)


def _confirm_archive(component: Component, confirmed: bool) -> None:
    if confirmed:
        return
    dependents = hard_dependents(component)
    if dependents:
        verb = "needs" if len(dependents) == 1 else "need"
        raise NeedsConfirmation(
            f"{_listed(dependents)} {verb} {component.name} hard. Archived, {component.name} leaves the lists and "
            "the risk analysis, so what depends on it would look safer than it is.",
            dependents,
        )


def orphaned_by_removal(dependency: Dependency) -> list[str]:
    """The user-facing service that removing this dependency would leave needing nothing at all, if any."""
    source = dependency.source
    if not isinstance(source, Service) or not source.user_facing or source.archived_at is not None:
        return []
    if Dependency.objects.filter(source_service=source).exclude(pk=dependency.pk).exists():
        return []
    return [source.name]


def _name(value: str, field: str = "name") -> str:
    name = value.strip()
    if not name:
        raise ValidationError({field: "Give it a name."})
    if has_control_characters(name):
        raise ValidationError({field: "The name contains control characters; use plain text."})
    return name


def _slug(slug: str, name: str) -> str:
    # A long name would give a slug over the field's 50 characters; cut it rather than refuse a valid name.
    slug = (slug.strip() or slugify(name)[:50].strip("-")).lower()
    if not slug:
        raise ValidationError({"slug": "Use at least one letter or digit (a to z, 0 to 9) in the name or slug."})
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is kept for the page that adds entries; choose another."})
    return slug


def _text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    # A TextField's max_length is not checked by full_clean, only by forms: check it here for every caller.
    if "\x00" in value:
        raise ValidationError({field: "The text contains a NUL character."})
    value = value.strip()
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters; this has {len(value)}."})
    return value


def clean_tags(tags: list[Any]) -> list[str]:
    """Short words, without repeats, in the order given."""
    if not isinstance(tags, list):
        raise ValidationError({"tags": "Tags are a list of short words."})
    result: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError({"tags": "Each tag is a short word."})
        word = tag.strip().lower()
        if not word:
            continue
        if len(word) > TAG_MAX or has_control_characters(word) or any(ch.isspace() for ch in word):
            raise ValidationError({"tags": f"“{word[:TAG_MAX]}” is not a tag: one word of at most {TAG_MAX} letters."})
        if word not in result:
            result.append(word)
    if len(result) > TAGS_MAX:
        raise ValidationError({"tags": f"At most {TAGS_MAX} tags."})
    return result


_url = URLValidator(schemes=["http", "https"])


def clean_links(links: list[Any]) -> list[dict[str, str]]:
    """Links to dashboards, repositories and manuals: each {title, url} with an http(s) address."""
    if not isinstance(links, list):
        raise ValidationError({"links": "Links are a list of {title, url}."})
    if len(links) > LINKS_MAX:
        raise ValidationError({"links": f"At most {LINKS_MAX} links."})
    result = []
    for link in links:
        if not isinstance(link, dict) or set(link) - {"title", "url"} or not isinstance(link.get("url"), str):
            raise ValidationError({"links": "Each link has a title and a url, and nothing else."})
        title, url = str(link.get("title") or "").strip(), link["url"].strip()
        if len(title) > LINK_TITLE_MAX or has_control_characters(title):
            raise ValidationError({"links": f"A link title is plain text of at most {LINK_TITLE_MAX} characters."})
        if len(url) > LINK_URL_MAX:
            raise ValidationError({"links": f"A link address is at most {LINK_URL_MAX} characters."})
        try:
            _url(url)
        except ValidationError:
            message = f"“{url[:80]}” is not a web address starting with http:// or https://."
            raise ValidationError({"links": message}) from None
        result.append({"title": title or url, "url": url})
    return result


def _owner_team(team: Team, field: str = "owner") -> Team:
    if team.archived_at is not None:
        raise ValidationError({field: f"The team {team.name} is archived."})
    if not team.is_operations:
        raise ValidationError({field: f"{team.name} is a business team; services belong to operations teams."})
    return team


def _diff_record(actor: Actor, action: str, obj: Model, before: dict[str, Any], fields: list[str]) -> None:
    after = audit.snapshot(obj, fields)
    if after != before:
        audit.record(actor=actor, action=action, obj=obj, before=before, after=after)


# --- Systems ------------------------------------------------------------------


def create_system(
    *, actor: Actor, name: str, slug: str = "", description: str = "", owner: Team | None = None
) -> System:
    """Create a system that groups services. Administrators and operators."""
    _require(permissions.can_manage_systems(actor.user), "Only administrators and operators can create systems.")
    name = _name(name)
    system = System(
        name=name,
        slug=_slug(slug, name),
        description=_text(description, "description", DESCRIPTION_MAX),
        owner=None if owner is None else _owner_team(owner),
    )
    system.full_clean()
    with transaction.atomic():
        system.save()
        audit.record(actor=actor, action="system.create", obj=system, after=audit.snapshot(system, SYSTEM_FIELDS))
    return system


def update_system(*, actor: Actor, system: System, name: str, description: str, owner: Team | None = None) -> System:
    """Change a system's name, description or owning team."""
    _require(permissions.can_manage_systems(actor.user), "Only administrators and operators can change systems.")
    with transaction.atomic():
        system = System.objects.select_for_update().get(pk=system.pk)
        before = audit.snapshot(system, SYSTEM_FIELDS)
        system.name = _name(name)
        system.description = _text(description, "description", DESCRIPTION_MAX)
        if owner is not None and owner.pk != system.owner_id:
            _owner_team(owner)
        system.owner = owner
        system.full_clean()
        system.save()
        _diff_record(actor, "system.update", system, before, SYSTEM_FIELDS)
    return system


def archive_system(*, actor: Actor, system: System) -> System:
    """Archive a system. Its services stay, without a system."""
    _require(permissions.can_archive_systems(actor.user), "Only administrators can archive systems.")
    with transaction.atomic():
        system = System.objects.select_for_update().get(pk=system.pk)
        if system.archived_at is None:
            before = audit.snapshot(system, SYSTEM_FIELDS)
            system.archived_at = timezone.now()
            system.save(update_fields=["archived_at"])
            _diff_record(actor, "system.archive", system, before, SYSTEM_FIELDS)
    return system


# --- Services -----------------------------------------------------------------


def _check_service(service: Service, secondary_owners: list[Team]) -> list[Team]:
    _owner_team(service.owner)
    if service.system is not None and service.system.archived_at is not None:
        raise ValidationError({"system": f"The system {service.system.name} is archived."})
    others = []
    for team in secondary_owners:
        if team.pk != service.owner_id and team not in others:
            others.append(_owner_team(team, "secondary_owners"))
    service.full_clean(exclude=["secondary_owners"])
    return others


def create_service(
    *,
    actor: Actor,
    name: str,
    owner: Team,
    slug: str = "",
    description: str = "",
    tier: int = Tier.SUPPORTING,
    lifecycle: str = Lifecycle.PRODUCTION,
    secondary_owners: list[Team] | None = None,
    user_facing: bool = False,
    system: System | None = None,
    tags: list[Any] | None = None,
    links: list[Any] | None = None,
) -> Service:
    """Add a service to the catalog, owned by a team. Operators may only give it to a team they are in."""
    _require(permissions.can_create_catalog_entries(actor.user), "Only administrators and operators add services.")
    _require(permissions.can_own_with(actor.user, owner), "You can only add services owned by your own teams.")
    name = _name(name)
    service = Service(
        name=name,
        slug=_slug(slug, name),
        description=_text(description, "description", DESCRIPTION_MAX),
        tier=tier,
        lifecycle=lifecycle,
        owner=owner,
        user_facing=user_facing,
        system=system,
        tags=clean_tags(tags or []),
        links=clean_links(links or []),
    )
    others = _check_service(service, secondary_owners or [])
    with transaction.atomic():
        service.save()
        service.secondary_owners.set(others)
        audit.record(actor=actor, action="service.create", obj=service, after=audit.snapshot(service, SERVICE_FIELDS))
    return service


def update_service(
    *,
    actor: Actor,
    service: Service,
    name: str,
    owner: Team,
    description: str,
    tier: int,
    lifecycle: str,
    secondary_owners: list[Team],
    user_facing: bool,
    system: System | None,
    tags: list[Any],
    links: list[Any],
) -> Service:
    """Change a service. Handing it to another team needs the right to own with that team."""
    _require(permissions.can_edit_service(actor.user, service), "You cannot change this service.")
    if owner.pk != service.owner_id:
        _require(
            permissions.can_own_with(actor.user, owner),
            "You can only hand a service to a team you are in; ask an administrator.",
        )
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        before = audit.snapshot(service, SERVICE_FIELDS)
        service.name = _name(name)
        service.owner = owner
        service.description = _text(description, "description", DESCRIPTION_MAX)
        service.tier = tier
        service.lifecycle = lifecycle
        service.user_facing = user_facing
        service.system = system
        service.tags = clean_tags(tags)
        service.links = clean_links(links)
        others = _check_service(service, secondary_owners)
        service.save()
        service.secondary_owners.set(others)
        _diff_record(actor, "service.update", service, before, SERVICE_FIELDS)
    return service


def archive_service(*, actor: Actor, service: Service, confirmed: bool = False) -> Service:
    """Archive a service: it leaves the lists and the SPOF analysis, and keeps its history.

    While other components need it hard, this raises NeedsConfirmation unless confirmed.
    """
    _require(permissions.can_edit_service(actor.user, service), "You cannot archive this service.")
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        if service.archived_at is None:
            _confirm_archive(service, confirmed)
            before = audit.snapshot(service, SERVICE_FIELDS)
            service.archived_at = timezone.now()
            service.save(update_fields=["archived_at"])
            _diff_record(actor, "service.archive", service, before, SERVICE_FIELDS)
    return service


# --- Resources ----------------------------------------------------------------


def create_resource(
    *,
    actor: Actor,
    name: str,
    owner: Team,
    kind: str = ResourceKind.OTHER,
    slug: str = "",
    description: str = "",
) -> Resource:
    """Add a database, queue, cache, storage or outside vendor to the catalog."""
    _require(permissions.can_create_catalog_entries(actor.user), "Only administrators and operators add resources.")
    _require(permissions.can_own_with(actor.user, owner), "You can only add resources owned by your own teams.")
    name = _name(name)
    resource = Resource(
        name=name,
        slug=_slug(slug, name),
        kind=kind,
        owner=owner,
        description=_text(description, "description", DESCRIPTION_MAX),
    )
    _owner_team(owner)
    resource.full_clean()
    with transaction.atomic():
        resource.save()
        audit.record(
            actor=actor, action="resource.create", obj=resource, after=audit.snapshot(resource, RESOURCE_FIELDS)
        )
    return resource


def update_resource(
    *, actor: Actor, resource: Resource, name: str, owner: Team, kind: str, description: str
) -> Resource:
    """Change a resource's name, kind, description or owning team."""
    _require(permissions.can_edit_resource(actor.user, resource), "You cannot change this resource.")
    if owner.pk != resource.owner_id:
        _require(
            permissions.can_own_with(actor.user, owner),
            "You can only hand a resource to a team you are in; ask an administrator.",
        )
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        before = audit.snapshot(resource, RESOURCE_FIELDS)
        resource.name = _name(name)
        resource.owner = _owner_team(owner)
        resource.kind = kind
        resource.description = _text(description, "description", DESCRIPTION_MAX)
        resource.full_clean()
        resource.save()
        _diff_record(actor, "resource.update", resource, before, RESOURCE_FIELDS)
    return resource


def archive_resource(*, actor: Actor, resource: Resource, confirmed: bool = False) -> Resource:
    """Archive a resource: it leaves the lists and keeps its history.

    While other components need it hard, this raises NeedsConfirmation unless confirmed.
    """
    _require(permissions.can_edit_resource(actor.user, resource), "You cannot archive this resource.")
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if resource.archived_at is None:
            _confirm_archive(resource, confirmed)
            before = audit.snapshot(resource, RESOURCE_FIELDS)
            resource.archived_at = timezone.now()
            resource.save(update_fields=["archived_at"])
            _diff_record(actor, "resource.archive", resource, before, RESOURCE_FIELDS)
    return resource


# --- Dependencies -------------------------------------------------------------


def can_edit_component(user: object, component: Component) -> bool:
    if isinstance(component, Service):
        return permissions.can_edit_service(user, component)  # type: ignore[arg-type]
    return permissions.can_edit_resource(user, component)  # type: ignore[arg-type]


def _ends(source: Component, target: Component) -> dict[str, Component | None]:
    return {
        "source_service": source if isinstance(source, Service) else None,
        "source_resource": source if isinstance(source, Resource) else None,
        "target_service": target if isinstance(target, Service) else None,
        "target_resource": target if isinstance(target, Resource) else None,
    }


def _check_dependency_text(degrades: str, fallback: str, note: str) -> tuple[str, str]:
    if degrades not in Degrades.values:
        raise ValidationError({"degrades": f"Choose one of: {', '.join(Degrades.values)}."})
    return _text(fallback, "fallback"), _text(note, "note")


def add_dependency(
    *,
    actor: Actor,
    source: Component,
    target: Component,
    hard: bool = True,
    degrades: str = Degrades.UNKNOWN,
    fallback: str = "",
    note: str = "",
) -> Dependency:
    """Record that source needs target. Whoever may change the source may say what it needs."""
    _require(can_edit_component(actor.user, source), f"You cannot change what {source} depends on.")
    if type(source) is type(target) and source.pk == target.pk:
        raise ValidationError({"target": f"{source} cannot depend on itself."})
    if target.archived_at is not None:
        raise ValidationError({"target": f"{target} is archived."})
    ends = _ends(source, target)
    fallback, note = _check_dependency_text(degrades, fallback, note)
    dependency = Dependency(hard=hard, degrades=degrades, fallback=fallback, note=note, **ends)
    dependency.full_clean(validate_constraints=False)
    with transaction.atomic():
        if Dependency.objects.filter(**ends).exists():
            raise ValidationError({"target": f"{source} already depends on {target}."})
        dependency.save()
        audit.record(
            actor=actor,
            action="dependency.add",
            obj=dependency,
            after=audit.snapshot(dependency, DEPENDENCY_FIELDS),
        )
    return dependency


def update_dependency(
    *, actor: Actor, dependency: Dependency, hard: bool, degrades: str, fallback: str, note: str
) -> Dependency:
    """Change whether a dependency is hard, how the source copes without it, and the fallback."""
    _require(
        can_edit_component(actor.user, dependency.source), f"You cannot change what {dependency.source} depends on."
    )
    fallback, note = _check_dependency_text(degrades, fallback, note)
    with transaction.atomic():
        dependency = Dependency.objects.select_for_update().get(pk=dependency.pk)
        before = audit.snapshot(dependency, DEPENDENCY_FIELDS)
        dependency.hard, dependency.degrades, dependency.fallback, dependency.note = hard, degrades, fallback, note
        dependency.full_clean(validate_constraints=False)
        dependency.save()
        _diff_record(actor, "dependency.update", dependency, before, DEPENDENCY_FIELDS)
    return dependency


def remove_dependency(*, actor: Actor, dependency: Dependency, confirmed: bool = False) -> None:
    """Forget that one component needs another. The audit log keeps what it was.

    When that would leave a user-facing service needing nothing at all, this raises NeedsConfirmation unless
    confirmed: the SPOF finder would then see nothing that can cut it off.
    """
    _require(
        can_edit_component(actor.user, dependency.source), f"You cannot change what {dependency.source} depends on."
    )
    with transaction.atomic():
        orphaned = [] if confirmed else orphaned_by_removal(dependency)
        if orphaned:
            raise NeedsConfirmation(
                f"{orphaned[0]} would no longer need anything recorded: the risk analysis would treat it as "
                f"needing nothing else to work, and find no single point of failure behind it.",
                orphaned,
            )
        before = audit.snapshot(dependency, DEPENDENCY_FIELDS)
        audit.record(actor=actor, action="dependency.remove", obj=dependency, before=before)
        Dependency.objects.filter(pk=dependency.pk).delete()


# --- Environments and capacity ------------------------------------------------


def create_environment(*, actor: Actor, name: str, slug: str = "", position: int = 0) -> Environment:
    """Add an environment such as staging. Administrators only."""
    _require(permissions.can_manage_environments(actor.user), "Only administrators add environments.")
    name = _name(name)
    environment = Environment(name=name, slug=_slug(slug, name), position=position)
    environment.full_clean()
    with transaction.atomic():
        environment.save()
        audit.record(
            actor=actor, action="environment.create", obj=environment, after={"slug": environment.slug, "name": name}
        )
    return environment


def rename_environment(*, actor: Actor, environment: Environment, name: str) -> Environment:
    """Give an environment another name. Its short name stays, as addresses and scripts use it. Administrators."""
    _require(permissions.can_manage_environments(actor.user), "Only administrators rename environments.")
    with transaction.atomic():
        environment = Environment.objects.select_for_update().get(pk=environment.pk)
        before = environment.name
        environment.name = _name(name)
        environment.full_clean()
        environment.save(update_fields=["name"])
        if environment.name != before:
            audit.record(
                actor=actor,
                action="environment.rename",
                obj=environment,
                before={"name": before},
                after={"name": environment.name},
            )
    return environment


def capacity_of(component: Component, environment: Environment) -> Capacity | None:
    if isinstance(component, Service):
        return Capacity.objects.filter(service=component, environment=environment).first()
    return Capacity.objects.filter(resource=component, environment=environment).first()


def set_capacity(
    *,
    actor: Actor,
    component: Component,
    environment: Environment,
    instances: int,
    zones: int = 1,
    regions: int = 1,
    per_instance_capacity: Decimal | None = None,
    unit: str = "",
    load_test_date: Any = None,
    load_test_method: str = "",
    load_test_rate: Decimal | None = None,
    latency_objective_ms: int | None = None,
    target_utilisation: int | None = None,
    redundancy_intent: str = "",
    provisioning_lead_time_days: int | None = None,
    pool_repurposable: bool = False,
    note: str = "",
) -> Capacity:
    """Record what a service or resource can handle in one environment, replacing what was there."""
    _require(can_edit_component(actor.user, component), f"You cannot change the capacity of {component}.")
    values: dict[str, Any] = {
        "instances": instances,
        "zones": zones,
        "regions": regions,
        "per_instance_capacity": per_instance_capacity,
        "unit": _text(unit, "unit"),
        "load_test_date": load_test_date,
        "load_test_method": _text(load_test_method, "load_test_method"),
        "load_test_rate": load_test_rate,
        "latency_objective_ms": latency_objective_ms,
        "target_utilisation": target_utilisation,
        "redundancy_intent": redundancy_intent.strip().upper(),
        "provisioning_lead_time_days": provisioning_lead_time_days,
        "pool_repurposable": pool_repurposable,
        "note": _text(note, "note"),
    }
    if has_control_characters(values["unit"]) or has_control_characters(values["load_test_method"]):
        raise ValidationError("Use plain text for the unit and the load test method.")
    with transaction.atomic():
        capacity = capacity_of(component, environment)
        created = capacity is None
        if capacity is None:
            capacity = Capacity(
                environment=environment,
                service=component if isinstance(component, Service) else None,
                resource=component if isinstance(component, Resource) else None,
            )
        else:
            capacity = Capacity.objects.select_for_update().get(pk=capacity.pk)
        before = None if created else audit.snapshot(capacity, CAPACITY_FIELDS)
        for field, value in values.items():
            setattr(capacity, field, value)
        capacity.full_clean(validate_constraints=False)
        errors = {}
        if capacity.zones > capacity.instances:
            errors["zones"] = "There cannot be more zones than instances."
        if capacity.regions > capacity.zones:
            errors["regions"] = "There cannot be more regions than zones."
        if errors:
            raise ValidationError(errors)
        capacity.save()
        after = audit.snapshot(capacity, CAPACITY_FIELDS)
        if before != after:
            audit.record(
                actor=actor,
                action="capacity.set",
                obj=capacity,
                before=before,
                after={**after, "environment": environment.slug, "component": component.slug},
            )
    return capacity
