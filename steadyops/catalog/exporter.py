"""Exporting the catalog as a Backstage catalog file, the other way round from `importer.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Q

from steadyops.catalog import backstage
from steadyops.catalog.backstage import TECHDOCS_REF, CatalogError, Entity, Problem
from steadyops.catalog.importer import SOFT_ANNOTATION, TIER_ANNOTATION, ComponentKey, _key
from steadyops.catalog.models import Dependency, Resource, ResourceKind, Service, System

EXPORT_RESOURCE_TYPES: dict[str, str] = {ResourceKind.VENDOR: "external-service"}


def _ref(component: Service | Resource) -> str:
    return f"{'component' if isinstance(component, Service) else 'resource'}:{component.slug}"


def _metadata(obj: Any) -> dict[str, Any]:
    return {
        "name": obj.slug,
        "title": obj.name if obj.name != obj.slug else None,
        "description": obj.description or None,
    }


def export_entities() -> list[Entity]:
    """Every team owning something, and every system, service, resource and dependency not archived."""
    live = Q(archived_at__isnull=True)
    systems = list(System.objects.filter(live).select_related("owner"))
    services = list(Service.objects.filter(live).select_related("owner", "system"))
    resources = list(Resource.objects.filter(live).select_related("owner"))
    dependencies = Dependency.objects.filter(
        Q(source_service__archived_at__isnull=True) | Q(source_service__isnull=True),
        Q(source_resource__archived_at__isnull=True) | Q(source_resource__isnull=True),
        Q(target_service__archived_at__isnull=True) | Q(target_service__isnull=True),
        Q(target_resource__archived_at__isnull=True) | Q(target_resource__isnull=True),
    ).select_related("source_service", "source_resource", "target_service", "target_resource")
    needs: dict[ComponentKey, list[Dependency]] = {}
    for dependency in dependencies:
        needs.setdefault(_key(dependency.source), []).append(dependency)
    owned: list[System | Service | Resource] = [*systems, *services, *resources]
    teams = {obj.owner.slug: obj.owner for obj in owned if obj.owner is not None}
    entities = [
        Entity(
            kind="Group",
            name=team.slug,
            title=team.name if team.name != team.slug else None,
            description=team.description or None,
            spec={"type": "team", "children": []},
        )
        for team in teams.values()
    ]
    for system in systems:
        spec = {"owner": system.owner.slug} if system.owner else {}
        entities.append(Entity(kind="System", **_metadata(system), spec=spec))

    def depends(component: Service | Resource) -> tuple[dict[str, Any], dict[str, str]]:
        out = sorted(needs.get(_key(component), []), key=lambda d: _ref(d.target))
        spec = {"dependsOn": [_ref(d.target) for d in out]} if out else {}
        soft = [_ref(d.target) for d in out if not d.hard]
        return spec, ({SOFT_ANNOTATION: ",".join(soft)} if soft else {})

    for service in services:
        spec, soft = depends(service)
        annotations = {**service.annotations, TIER_ANNOTATION: str(service.tier), **soft}
        if service.manual_location:
            annotations[TECHDOCS_REF] = service.manual_location
        entities.append(
            Entity(
                kind="Component",
                **_metadata(service),
                annotations=dict(sorted(annotations.items())),
                tags=list(service.tags),
                links=[{"url": link["url"], "title": link["title"]} for link in service.links],
                spec={
                    "type": "website" if service.user_facing else "service",
                    "lifecycle": service.lifecycle,
                    "owner": service.owner.slug,
                    **({"system": service.system.slug} if service.system else {}),
                    **spec,
                },
            )
        )
    for resource in resources:
        spec, soft = depends(resource)
        entities.append(
            Entity(
                kind="Resource",
                **_metadata(resource),
                annotations=dict(sorted({**resource.annotations, **soft}.items())),
                spec={
                    "type": EXPORT_RESOURCE_TYPES.get(resource.kind, resource.kind),
                    "owner": resource.owner.slug,
                    **spec,
                },
            )
        )
    return entities


def export_catalog(directory: Path | str) -> Path:
    """Write the catalog to `directory/catalog-info.yaml` for Backstage. Raises `CatalogError` (and writes
    nothing) when something cannot be expressed in Backstage's schema, such as a system with no owning team."""
    entities = export_entities()
    problems = [
        Problem(f"System {entity.name}", None, "has no owning team; Backstage needs one: give it an owner first")
        for entity in entities
        if entity.kind == "System" and "owner" not in entity.spec
    ]
    if problems:
        raise CatalogError(problems)
    return backstage.write_catalog(entities, Path(directory))


__all__ = ["export_catalog", "export_entities"]
