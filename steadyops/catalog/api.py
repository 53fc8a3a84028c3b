"""The catalog API: services, resources, dependencies, capacity. Mounted at /api/v1/catalog/.

Thin: every change goes through catalog.services, which checks who may make it and audits it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StringConstraints

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug
from steadyops.catalog import services
from steadyops.catalog.models import (
    DESCRIPTION_MAX,
    INSTANCES_MAX,
    LINK_TITLE_MAX,
    LINK_URL_MAX,
    LINKS_MAX,
    NAME_MAX,
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
)
from steadyops.catalog.spof_api import router as spof_router
from steadyops.core.actor import Actor

router = Router(tags=["catalog"])
# The SPOF finder's operations live in their own module; they share this router's /catalog prefix.
router.add_router("", spof_router)

Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX, pattern=NO_NUL)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX, pattern=NO_NUL)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=NO_NUL)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX, pattern=NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
Unit = Annotated[str, StringConstraints(max_length=30, pattern=NO_NUL)]
TierNumber = Annotated[
    int, Field(ge=1, le=4, description="1 critical, 2 important, 3 supporting, 4 minor.", strict=True)
]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
MAX_ID = 2**63 - 1
RELATED = ("source_service", "source_resource", "target_service", "target_resource")


# --- Schemas ------------------------------------------------------------------


class Link(Schema):
    title: Annotated[str, StringConstraints(max_length=LINK_TITLE_MAX, pattern=NO_NUL)] = ""
    url: Annotated[str, StringConstraints(min_length=1, max_length=LINK_URL_MAX, pattern=NO_NUL)]


class LinkIn(Link, InputSchema):
    pass


class ServiceOut(Schema):
    slug: str
    name: str
    description: str
    tier: int
    tier_meaning: str
    lifecycle: Lifecycle
    owner: str = Field(description="The owning team's slug.")
    secondary_owners: list[str]
    user_facing: bool
    system: str | None
    tags: list[str]
    links: list[Link]
    archived: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tier_meaning(service: Service) -> str:
        return service.get_tier_display()

    @staticmethod
    def resolve_owner(service: Service) -> str:
        return service.owner.slug

    @staticmethod
    def resolve_secondary_owners(service: Service) -> list[str]:
        return [team.slug for team in service.secondary_owners.all()]

    @staticmethod
    def resolve_system(service: Service) -> str | None:
        return service.system.slug if service.system else None

    @staticmethod
    def resolve_archived(service: Service) -> bool:
        return service.archived_at is not None


class ServiceIn(InputSchema):
    name: Name
    slug: Slug | None = Field(None, description="Made from the name when left out.")
    owner: Slug = Field(description="The owning team's slug.")
    description: Description = ""
    tier: TierNumber = 3
    lifecycle: Lifecycle = Lifecycle.PRODUCTION
    secondary_owners: list[Slug] = Field(default_factory=list, max_length=20)
    user_facing: StrictBool = False
    system: Slug | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX)
    links: list[LinkIn] = Field(default_factory=list, max_length=LINKS_MAX)


class ServicePatch(InputSchema):
    """Only the fields sent are changed; null leaves a field as it is (send "" as system to clear it)."""

    name: Name | None = None
    owner: Slug | None = None
    description: Description | None = None
    tier: TierNumber | None = None
    lifecycle: Lifecycle | None = None
    secondary_owners: list[Slug] | None = Field(None, max_length=20)
    user_facing: StrictBool | None = None
    system: Annotated[str, StringConstraints(max_length=50, pattern=r"^[-a-zA-Z0-9_]*$")] | None = None
    tags: list[Tag] | None = Field(None, max_length=TAGS_MAX)
    links: list[LinkIn] | None = Field(None, max_length=LINKS_MAX)


class ServiceFilters(Schema):  # query parameters arrive as text, so the tier is read leniently here
    team: Slug | None = Field(None, description="Owned or co-owned by the team with this slug.")
    system: Slug | None = None
    tier: Annotated[int, Field(ge=1, le=4)] | None = None
    archived: bool = Field(False, description="true lists archived services instead of current ones.")


class ResourceOut(Schema):
    slug: str
    name: str
    kind: ResourceKind
    owner: str
    description: str
    archived: bool
    created_at: datetime

    @staticmethod
    def resolve_owner(resource: Resource) -> str:
        return resource.owner.slug

    @staticmethod
    def resolve_archived(resource: Resource) -> bool:
        return resource.archived_at is not None


class ResourceIn(InputSchema):
    name: Name
    slug: Slug | None = None
    kind: ResourceKind = ResourceKind.OTHER
    owner: Slug
    description: Description = ""


class ResourcePatch(InputSchema):
    name: Name | None = None
    kind: ResourceKind | None = None
    owner: Slug | None = None
    description: Description | None = None


class ComponentRef(InputSchema):
    type: Literal["service", "resource"]
    slug: Slug


class ComponentOut(Schema):
    type: str
    slug: str
    name: str


class DependencyOut(Schema):
    id: int
    source: ComponentOut
    target: ComponentOut
    hard: bool
    degrades: Degrades
    fallback: str
    note: str
    in_plain_words: str

    @staticmethod
    def resolve_source(dependency: Dependency) -> dict[str, str]:
        return _component_out(dependency.source)

    @staticmethod
    def resolve_target(dependency: Dependency) -> dict[str, str]:
        return _component_out(dependency.target)

    @staticmethod
    def resolve_in_plain_words(dependency: Dependency) -> str:
        return dependency.plain_words


class DependencyIn(InputSchema):
    source: ComponentRef
    target: ComponentRef
    hard: StrictBool = True
    degrades: Degrades = Degrades.UNKNOWN
    fallback: Text = ""
    note: Text = ""


class DependencyPatch(InputSchema):
    hard: StrictBool | None = None
    degrades: Degrades | None = None
    fallback: Text | None = None
    note: Text | None = None


class DependencyFilters(Schema):
    service: Slug | None = Field(None, description="Dependencies from or to the service with this slug.")
    resource: Slug | None = Field(None, description="Dependencies from or to the resource with this slug.")


class CapacityIn(InputSchema):
    instances: Annotated[int, Field(ge=1, le=INSTANCES_MAX, strict=True)]
    zones: Annotated[int, Field(ge=1, le=100, strict=True)] = 1
    regions: Annotated[int, Field(ge=1, le=50, strict=True)] = 1
    per_instance_capacity: Amount | None = None
    unit: Unit = "requests/s"
    load_test_date: date | None = None
    load_test_method: ShortText = ""
    load_test_rate: Amount | None = None
    latency_objective_ms: Annotated[int, Field(ge=1, le=600_000, strict=True)] | None = None
    target_utilisation: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    redundancy_intent: Annotated[str, StringConstraints(max_length=8, pattern=r"^(N(\+[0-9]{1,3})?)?$")] = ""
    provisioning_lead_time_days: Annotated[int, Field(ge=0, le=3650, strict=True)] | None = None
    pool_repurposable: StrictBool = False
    note: Text = ""


class CapacityOut(Schema):
    environment: str
    component: ComponentOut
    instances: int
    zones: int
    regions: int
    per_instance_capacity: float | None
    unit: str
    total_capacity: float | None
    load_test_date: date | None
    load_test_method: str
    load_test_rate: float | None
    latency_objective_ms: int | None
    target_utilisation: int | None
    redundancy_intent: str
    provisioning_lead_time_days: int | None
    pool_repurposable: bool
    note: str
    updated_at: datetime

    @staticmethod
    def resolve_environment(capacity: Capacity) -> str:
        return capacity.environment.slug

    @staticmethod
    def resolve_component(capacity: Capacity) -> dict[str, str]:
        return _component_out(capacity.component)


class CapacityFilters(Schema):
    environment: Slug | None = None
    service: Slug | None = None
    resource: Slug | None = None


class SystemOut(Schema):
    slug: str
    name: str
    description: str
    owner: str | None
    archived: bool

    @staticmethod
    def resolve_owner(system: System) -> str | None:
        return system.owner.slug if system.owner else None

    @staticmethod
    def resolve_archived(system: System) -> bool:
        return system.archived_at is not None


class SystemIn(InputSchema):
    name: Name
    slug: Slug | None = None
    description: Description = ""
    owner: Slug | None = None


class SystemPatch(InputSchema):
    """Only the fields sent are changed; send "" as owner to leave the system with no one team."""

    name: Name | None = None
    description: Description | None = None
    owner: Annotated[str, StringConstraints(max_length=50, pattern=r"^[-a-zA-Z0-9_]*$")] | None = None


class Confirmation(Schema):
    confirm: bool = Field(
        False, description="true goes ahead even though others would be affected; without it such a change is a 409."
    )


class EnvironmentOut(Schema):
    slug: str
    name: str


class EnvironmentIn(InputSchema):
    name: Name
    slug: Slug | None = Field(None, description="Made from the name when left out. It cannot be changed later.")
    position: Annotated[int, Field(ge=0, le=32767, strict=True)] = 10


# --- Helpers ------------------------------------------------------------------


def _component_out(component: Service | Resource) -> dict[str, str]:
    kind = "service" if isinstance(component, Service) else "resource"
    return {"type": kind, "slug": component.slug, "name": component.name}


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_request(request)


def _unknown(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", details=[field_error(field, message, "body")])


def _team(slug: str, field: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise _unknown(field, f"There is no team {slug}.")
    return team


def _teams(slugs: list[str], field: str) -> list[Team]:
    return [_team(slug, field) for slug in slugs]


def _system(slug: str | None, field: str = "system") -> System | None:
    if not slug:
        return None
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise _unknown(field, f"There is no system {slug}.")
    return system


def _component(ref: ComponentRef, field: str) -> Service | Resource:
    model: type[Service] | type[Resource] = Service if ref.type == "service" else Resource
    found = model.objects.filter(slug=ref.slug).first()
    if found is None:
        raise _unknown(field, f"There is no {ref.type} {ref.slug}.")
    return found


def _confirm_first(question: services.NeedsConfirmation) -> ApiError:
    return ApiError(
        409,
        f"{question.message} Send the request again with ?confirm=true to go ahead.",
        code="confirmation_needed",
        details={"affected": question.affected},
    )


def _services() -> QuerySet[Service]:
    return Service.objects.select_related("owner", "system").prefetch_related(
        Prefetch("secondary_owners", queryset=Team.objects.order_by("slug"))
    )


def _environment(slug: str) -> Environment:
    return get_object_or_404(Environment, slug=slug)


# --- Services -----------------------------------------------------------------


@router.get("/services", response=Page[ServiceOut], url_name="catalog_services")
def list_services(request: HttpRequest, filters: Query[ServiceFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Services by name; filter by owning team, system or tier."""
    found = _services().filter(archived_at__isnull=not filters.archived)
    if filters.team:
        found = found.filter(owner__slug=filters.team) | found.filter(secondary_owners__slug=filters.team)
        found = found.distinct()
    if filters.system:
        found = found.filter(system__slug=filters.system)
    if filters.tier:
        found = found.filter(tier=filters.tier)
    return paginate(found.order_by("name", "pk"), paging)


@router.post("/services", response={201: ServiceOut}, url_name="catalog_services")
def create_service(request: HttpRequest, payload: ServiceIn) -> Status:
    """Add a service. Operators may only make it owned by one of their teams."""
    service = services.create_service(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug or "",
        owner=_team(payload.owner, "owner"),
        description=payload.description,
        tier=payload.tier,
        lifecycle=payload.lifecycle,
        secondary_owners=_teams(payload.secondary_owners, "secondary_owners"),
        user_facing=payload.user_facing,
        system=_system(payload.system),
        tags=payload.tags,
        links=[link.dict() for link in payload.links],
    )
    return Status(201, _services().get(pk=service.pk))


@router.get("/services/{slug}", response=ServiceOut, url_name="catalog_service")
def get_service(request: HttpRequest, slug: Slug) -> Service:
    """One service, archived or not."""
    return get_object_or_404(_services(), slug=slug)


@router.patch("/services/{slug}", response=ServiceOut, url_name="catalog_service")
def update_service(request: HttpRequest, slug: Slug, payload: ServicePatch) -> Service:
    """Change a service: administrators, and operators in an owning team."""
    service = get_object_or_404(_services(), slug=slug)
    sent = payload.model_fields_set
    services.update_service(
        actor=_actor(request),
        service=service,
        name=payload.name if payload.name is not None else service.name,
        owner=_team(payload.owner, "owner") if payload.owner is not None else service.owner,
        description=payload.description if payload.description is not None else service.description,
        tier=payload.tier if payload.tier is not None else service.tier,
        lifecycle=payload.lifecycle if payload.lifecycle is not None else service.lifecycle,
        secondary_owners=_teams(payload.secondary_owners, "secondary_owners")
        if payload.secondary_owners is not None
        else list(service.secondary_owners.all()),
        user_facing=payload.user_facing if payload.user_facing is not None else service.user_facing,
        system=_system(payload.system) if "system" in sent and payload.system is not None else service.system,
        tags=payload.tags if payload.tags is not None else service.tags,
        links=[link.dict() for link in payload.links] if payload.links is not None else service.links,
    )
    return _services().get(pk=service.pk)


@router.post("/services/{slug}/archive", response=ServiceOut, url_name="catalog_service_archive")
def archive_service(request: HttpRequest, slug: Slug, confirmation: Query[Confirmation]) -> Service:
    """Archive a service. While others need it hard this is a 409 naming them, unless ?confirm=true."""
    service = get_object_or_404(_services(), slug=slug)
    try:
        services.archive_service(actor=_actor(request), service=service, confirmed=confirmation.confirm)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None
    return _services().get(pk=service.pk)


# --- Resources ----------------------------------------------------------------


@router.get("/resources", response=Page[ResourceOut], url_name="catalog_resources")
def list_resources(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current resources by name."""
    return paginate(Resource.objects.filter(archived_at=None).select_related("owner").order_by("name", "pk"), paging)


@router.post("/resources", response={201: ResourceOut}, url_name="catalog_resources")
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status:
    """Add a database, queue, cache, storage or outside vendor."""
    resource = services.create_resource(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug or "",
        kind=payload.kind,
        owner=_team(payload.owner, "owner"),
        description=payload.description,
    )
    return Status(201, resource)


@router.get("/resources/{slug}", response=ResourceOut, url_name="catalog_resource")
def get_resource(request: HttpRequest, slug: Slug) -> Resource:
    """One resource, archived or not."""
    return get_object_or_404(Resource.objects.select_related("owner"), slug=slug)


@router.patch("/resources/{slug}", response=ResourceOut, url_name="catalog_resource")
def update_resource(request: HttpRequest, slug: Slug, payload: ResourcePatch) -> Resource:
    """Change a resource: administrators, and operators in its owning team."""
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    return services.update_resource(
        actor=_actor(request),
        resource=resource,
        name=payload.name if payload.name is not None else resource.name,
        kind=payload.kind if payload.kind is not None else resource.kind,
        owner=_team(payload.owner, "owner") if payload.owner is not None else resource.owner,
        description=payload.description if payload.description is not None else resource.description,
    )


@router.post("/resources/{slug}/archive", response=ResourceOut, url_name="catalog_resource_archive")
def archive_resource(request: HttpRequest, slug: Slug, confirmation: Query[Confirmation]) -> Resource:
    """Archive a resource. While others need it hard this is a 409 naming them, unless ?confirm=true."""
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    try:
        return services.archive_resource(actor=_actor(request), resource=resource, confirmed=confirmation.confirm)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None


# --- Dependencies -------------------------------------------------------------


@router.get("/dependencies", response=Page[DependencyOut], url_name="catalog_dependencies")
def list_dependencies(
    request: HttpRequest, filters: Query[DependencyFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """Every dependency, oldest first; ?service= or ?resource= keeps those from or to one component."""
    found = Dependency.objects.select_related(*RELATED)
    if filters.service:
        found = found.filter(source_service__slug=filters.service) | found.filter(target_service__slug=filters.service)
    if filters.resource:
        found = found.filter(source_resource__slug=filters.resource) | found.filter(
            target_resource__slug=filters.resource
        )
    return paginate(found.order_by("pk"), paging)


@router.post("/dependencies", response={201: DependencyOut}, url_name="catalog_dependencies")
def add_dependency(request: HttpRequest, payload: DependencyIn) -> Status:
    """Record that source needs target. Whoever may change the source may add it."""
    dependency = services.add_dependency(
        actor=_actor(request),
        source=_component(payload.source, "source"),
        target=_component(payload.target, "target"),
        hard=payload.hard,
        degrades=payload.degrades,
        fallback=payload.fallback,
        note=payload.note,
    )
    return Status(201, Dependency.objects.select_related(*RELATED).get(pk=dependency.pk))


def _dependency(dependency_id: int) -> Dependency:
    if dependency_id < 1 or dependency_id > MAX_ID:
        raise ApiError(404)
    return get_object_or_404(Dependency.objects.select_related(*RELATED), pk=dependency_id)


@router.get("/dependencies/{dependency_id}", response=DependencyOut, url_name="catalog_dependency")
def get_dependency(request: HttpRequest, dependency_id: int) -> Dependency:
    """One dependency."""
    return _dependency(dependency_id)


@router.patch("/dependencies/{dependency_id}", response=DependencyOut, url_name="catalog_dependency")
def update_dependency(request: HttpRequest, dependency_id: int, payload: DependencyPatch) -> Dependency:
    """Change whether it is hard, how the source copes without it, and the fallback."""
    dependency = _dependency(dependency_id)
    services.update_dependency(
        actor=_actor(request),
        dependency=dependency,
        hard=payload.hard if payload.hard is not None else dependency.hard,
        degrades=payload.degrades if payload.degrades is not None else dependency.degrades,
        fallback=payload.fallback if payload.fallback is not None else dependency.fallback,
        note=payload.note if payload.note is not None else dependency.note,
    )
    return _dependency(dependency_id)


@router.delete("/dependencies/{dependency_id}", response={204: None}, url_name="catalog_dependency")
def remove_dependency(request: HttpRequest, dependency_id: int, confirmation: Query[Confirmation]) -> Status:
    """Forget a dependency. The audit log keeps what it was. When that would leave a user-facing service needing
    nothing at all this is a 409 naming it, unless ?confirm=true."""
    dependency = _dependency(dependency_id)
    try:
        services.remove_dependency(actor=_actor(request), dependency=dependency, confirmed=confirmation.confirm)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None
    return Status(204, None)


# --- Capacity -----------------------------------------------------------------


def _capacities() -> QuerySet[Capacity]:
    return Capacity.objects.select_related("environment", "service", "resource")


@router.get("/capacity", response=Page[CapacityOut], url_name="catalog_capacity_list")
def list_capacity(request: HttpRequest, filters: Query[CapacityFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Recorded capacity; filter by environment, service or resource."""
    found = _capacities()
    if filters.environment:
        found = found.filter(environment__slug=filters.environment)
    if filters.service:
        found = found.filter(service__slug=filters.service)
    if filters.resource:
        found = found.filter(resource__slug=filters.resource)
    return paginate(found.order_by("environment__position", "pk"), paging)


def _put_capacity(
    request: HttpRequest, component: Service | Resource, environment: str, payload: CapacityIn
) -> Capacity:
    capacity = services.set_capacity(
        actor=_actor(request), component=component, environment=_environment(environment), **payload.dict()
    )
    return _capacities().get(pk=capacity.pk)


def _get_capacity(component: Service | Resource, environment: str) -> Capacity:
    capacity = services.capacity_of(component, _environment(environment))
    if capacity is None:
        raise ApiError(404, f"No capacity is recorded for {component} in {environment}.")
    return _capacities().get(pk=capacity.pk)


@router.get("/services/{slug}/capacity/{environment}", response=CapacityOut, url_name="catalog_service_capacity")
def get_service_capacity(request: HttpRequest, slug: Slug, environment: Slug) -> Capacity:
    """What a service can handle in one environment."""
    return _get_capacity(get_object_or_404(Service, slug=slug), environment)


@router.put("/services/{slug}/capacity/{environment}", response=CapacityOut, url_name="catalog_service_capacity")
def put_service_capacity(request: HttpRequest, slug: Slug, environment: Slug, payload: CapacityIn) -> Capacity:
    """Record what a service can handle in one environment, replacing what was there."""
    return _put_capacity(request, get_object_or_404(Service, slug=slug), environment, payload)


@router.get("/resources/{slug}/capacity/{environment}", response=CapacityOut, url_name="catalog_resource_capacity")
def get_resource_capacity(request: HttpRequest, slug: Slug, environment: Slug) -> Capacity:
    """How a resource is spread in one environment."""
    return _get_capacity(get_object_or_404(Resource, slug=slug), environment)


@router.put("/resources/{slug}/capacity/{environment}", response=CapacityOut, url_name="catalog_resource_capacity")
def put_resource_capacity(request: HttpRequest, slug: Slug, environment: Slug, payload: CapacityIn) -> Capacity:
    """Record how a resource is spread in one environment, replacing what was there."""
    return _put_capacity(request, get_object_or_404(Resource, slug=slug), environment, payload)


# --- Systems and environments -------------------------------------------------


@router.get("/systems", response=Page[SystemOut], url_name="catalog_systems")
def list_systems(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current systems by name."""
    return paginate(System.objects.filter(archived_at=None).select_related("owner").order_by("name", "pk"), paging)


@router.post("/systems", response={201: SystemOut}, url_name="catalog_systems")
def create_system(request: HttpRequest, payload: SystemIn) -> Status:
    """Create a system that groups services: administrators and operators."""
    system = services.create_system(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug or "",
        description=payload.description,
        owner=_team(payload.owner, "owner") if payload.owner else None,
    )
    return Status(201, system)


def _system_of(slug: str) -> System:
    return get_object_or_404(System.objects.select_related("owner"), slug=slug)


@router.get("/systems/{slug}", response=SystemOut, url_name="catalog_system")
def get_system(request: HttpRequest, slug: Slug) -> System:
    """One system, archived or not."""
    return _system_of(slug)


@router.patch("/systems/{slug}", response=SystemOut, url_name="catalog_system")
def update_system(request: HttpRequest, slug: Slug, payload: SystemPatch) -> System:
    """Change a system's name, description or team: administrators and operators."""
    system = _system_of(slug)
    owner = system.owner
    if payload.owner is not None:
        owner = _team(payload.owner, "owner") if payload.owner else None
    services.update_system(
        actor=_actor(request),
        system=system,
        name=payload.name if payload.name is not None else system.name,
        description=payload.description if payload.description is not None else system.description,
        owner=owner,
    )
    return _system_of(slug)


@router.post("/systems/{slug}/archive", response=SystemOut, url_name="catalog_system_archive")
def archive_system(request: HttpRequest, slug: Slug) -> System:
    """Archive a system: administrators. Its services stay, without a system."""
    services.archive_system(actor=_actor(request), system=_system_of(slug))
    return _system_of(slug)


@router.get("/environments", response=list[EnvironmentOut], url_name="catalog_environments")
def list_environments(request: HttpRequest) -> QuerySet[Environment]:
    """The environments capacity is recorded for."""
    return Environment.objects.all()


@router.post("/environments", response={201: EnvironmentOut}, url_name="catalog_environments")
def create_environment(request: HttpRequest, payload: EnvironmentIn) -> Status:
    """Add an environment such as staging: administrators."""
    environment = services.create_environment(
        actor=_actor(request), name=payload.name, slug=payload.slug or "", position=payload.position
    )
    return Status(201, environment)
