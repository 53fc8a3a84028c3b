"""The catalog API for systems, which group services, and environments, which capacity is recorded for.

Mounted under /api/v1/catalog/ by the catalog's router. Thin: every change goes through catalog.services.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.responses import Status

from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import Slug
from steadyops.catalog import services
from steadyops.catalog.api_schemas import EnvironmentIn, EnvironmentOut, SystemIn, SystemOut, SystemPatch, _actor, _team
from steadyops.catalog.models import Environment, System

# No tags of its own: it inherits "catalog" from the router it is mounted on. Operations keep the operation ids
# they had in catalog.api, so generated API clients see no change.
router = Router()


# --- Systems and environments -------------------------------------------------


@router.get(
    "/systems", response=Page[SystemOut], url_name="catalog_systems", operation_id="steadyops_catalog_api_list_systems"
)
def list_systems(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current systems by name."""
    return paginate(System.objects.filter(archived_at=None).select_related("owner").order_by("name", "pk"), paging)


@router.post(
    "/systems",
    response={201: SystemOut},
    url_name="catalog_systems",
    operation_id="steadyops_catalog_api_create_system",
)
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


@router.get(
    "/systems/{slug}", response=SystemOut, url_name="catalog_system", operation_id="steadyops_catalog_api_get_system"
)
def get_system(request: HttpRequest, slug: Slug) -> System:
    """One system, archived or not."""
    return _system_of(slug)


@router.patch(
    "/systems/{slug}", response=SystemOut, url_name="catalog_system", operation_id="steadyops_catalog_api_update_system"
)
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


@router.post(
    "/systems/{slug}/archive",
    response=SystemOut,
    url_name="catalog_system_archive",
    operation_id="steadyops_catalog_api_archive_system",
)
def archive_system(request: HttpRequest, slug: Slug) -> System:
    """Archive a system: administrators. Its services stay, without a system."""
    services.archive_system(actor=_actor(request), system=_system_of(slug))
    return _system_of(slug)


@router.get(
    "/environments",
    response=list[EnvironmentOut],
    url_name="catalog_environments",
    operation_id="steadyops_catalog_api_list_environments",
)
def list_environments(request: HttpRequest) -> QuerySet[Environment]:
    """The environments capacity is recorded for."""
    return Environment.objects.all()


@router.post(
    "/environments",
    response={201: EnvironmentOut},
    url_name="catalog_environments",
    operation_id="steadyops_catalog_api_create_environment",
)
def create_environment(request: HttpRequest, payload: EnvironmentIn) -> Status:
    """Add an environment such as staging: administrators."""
    environment = services.create_environment(
        actor=_actor(request), name=payload.name, slug=payload.slug or "", position=payload.position
    )
    return Status(201, environment)
