"""The catalog API: services, resources, dependencies, capacity. Mounted at /api/v1/catalog/.

Thin: every change goes through catalog.services, which checks who may make it and audits it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.responses import Status

from steadyops.api.errors import ApiError
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import Slug
from steadyops.catalog import services
from steadyops.catalog.api_schemas import (
    MAX_ID,
    RELATED,
    CapacityFilters,
    CapacityIn,
    CapacityOut,
    Confirmation,
    DependencyFilters,
    DependencyIn,
    DependencyOut,
    DependencyPatch,
    ServiceFilters,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    _actor,
    _component,
    _confirm_first,
    _environment,
    _services,
    _system,
    _team,
    _teams,
)
from steadyops.catalog.models import Capacity, Dependency, Resource, Service
from steadyops.catalog.resource_api import router as resource_router
from steadyops.catalog.spof_api import router as spof_router
from steadyops.catalog.system_api import router as system_router

router = Router(tags=["catalog"])
# Resources, systems and environments, and the SPOF finder's operations live in their own modules; they share
# this router's /catalog prefix.
router.add_router("", resource_router)
router.add_router("", system_router)
router.add_router("", spof_router)


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
