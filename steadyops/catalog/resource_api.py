"""The catalog API for resources: databases, queues, caches, storage and outside vendors.

Mounted under /api/v1/catalog/ by the catalog's router. Thin: every change goes through catalog.services.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.responses import Status

from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import Slug
from steadyops.catalog import services
from steadyops.catalog.api_schemas import (
    Confirmation,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
    _actor,
    _confirm_first,
    _team,
)
from steadyops.catalog.models import Resource

# No tags of its own: it inherits "catalog" from the router it is mounted on. Operations keep the operation ids
# they had in catalog.api, so generated API clients see no change.
router = Router()


# --- Resources ----------------------------------------------------------------


@router.get(
    "/resources",
    response=Page[ResourceOut],
    url_name="catalog_resources",
    operation_id="steadyops_catalog_api_list_resources",
)
def list_resources(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Current resources by name."""
    return paginate(Resource.objects.filter(archived_at=None).select_related("owner").order_by("name", "pk"), paging)


@router.post(
    "/resources",
    response={201: ResourceOut},
    url_name="catalog_resources",
    operation_id="steadyops_catalog_api_create_resource",
)
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


@router.get(
    "/resources/{slug}",
    response=ResourceOut,
    url_name="catalog_resource",
    operation_id="steadyops_catalog_api_get_resource",
)
def get_resource(request: HttpRequest, slug: Slug) -> Resource:
    """One resource, archived or not."""
    return get_object_or_404(Resource.objects.select_related("owner"), slug=slug)


@router.patch(
    "/resources/{slug}",
    response=ResourceOut,
    url_name="catalog_resource",
    operation_id="steadyops_catalog_api_update_resource",
)
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


@router.post(
    "/resources/{slug}/archive",
    response=ResourceOut,
    url_name="catalog_resource_archive",
    operation_id="steadyops_catalog_api_archive_resource",
)
def archive_resource(request: HttpRequest, slug: Slug, confirmation: Query[Confirmation]) -> Resource:
    """Archive a resource. While others need it hard this is a 409 naming them, unless ?confirm=true."""
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    try:
        return services.archive_resource(actor=_actor(request), resource=resource, confirmed=confirmation.confirm)
    except services.NeedsConfirmation as question:
        raise _confirm_first(question) from None
