"""Schemas and helpers shared by the catalog API modules (api, resource_api, system_api)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Schema
from pydantic import Field, StrictBool, StringConstraints

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
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
from steadyops.core.actor import Actor

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
