"""The catalog's dependency maps: a page with filters and the SVG pictures it and the detail pages show."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from steadyops.catalog import findings, graph, spof
from steadyops.catalog.forms import ServiceFilterForm
from steadyops.catalog.models import Service, System
from steadyops.core import permissions
from steadyops.core.htmx import AuthenticatedHttpRequest, require

# --- Dependency map -----------------------------------------------------------

GRAPH_CACHE_SECONDS = 24 * 60 * 60
GRAPH_HOPS = 2
GRAPH_FILTERS = ("team", "system")


@dataclass(frozen=True)
class _CatalogGraph:
    nodes: list[graph.Node]
    edges: list[graph.Edge]
    teams: dict[str, frozenset[int]]  # component key → ids of the teams owning it, co-owners included
    systems: dict[str, str]  # service key → its system's slug


def _catalog_graph() -> _CatalogGraph:
    """Every current service and resource, the dependencies between them, and which are single points of
    failure in production, read in a fixed number of queries whatever the size of the catalog."""
    catalog = findings.load_graph(findings.environment_named(None))
    # Accepted risks stay red: accepting a single point of failure does not make it redundant.
    weak = {finding.component for finding in spof.find_spofs(catalog.nodes, catalog.edges)}
    components = sorted(catalog.components.values(), key=lambda component: component.key)
    nodes = [graph.Node(c.key, c.name, c.type, c.owner, c.key in weak, c.user_facing) for c in components]
    edges = [graph.Edge(edge.source, edge.target, edge.hard) for edge in catalog.edges]
    in_systems = Service.objects.filter(archived_at=None, system__isnull=False).values_list("slug", "system__slug")
    systems = {f"service:{slug}": system_slug for slug, system_slug in in_systems}
    return _CatalogGraph(nodes, edges, {c.key: c.team_ids for c in components}, systems)


def _svg(nodes: list[graph.Node], edges: list[graph.Edge], *, title: str, description: str) -> HttpResponse:
    """The picture, drawn once per distinct graph: the cache key is a hash of everything drawn."""
    data = [
        graph.VERSION,
        title,
        description,
        [[n.key, n.label, n.kind, n.team, n.highlighted, n.entry_point] for n in nodes],
        [[e.source, e.target, e.hard] for e in edges],
    ]
    digest = hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()
    key = f"catalog:graph:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = graph.render_svg(nodes, edges, title=title, description=description)
        cache.set(key, svg, GRAPH_CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # The picture changes whenever the catalog does: the browser asks again each time, and may not share it.
    response["Cache-Control"] = "private, no-cache"
    return response


def _around(world: _CatalogGraph, start: set[str], hops: int) -> tuple[list[graph.Node], list[graph.Edge]]:
    return graph.subgraph(world.nodes, world.edges, graph.around(start, world.edges, hops=hops))


@login_required
def service_graph(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    service = get_object_or_404(Service, slug=slug)
    world = _catalog_graph()
    key = f"service:{service.slug}"
    nodes, edges = _around(world, {key}, GRAPH_HOPS)
    if not nodes:
        # An archived service has left the analysis: draw it alone.
        nodes = [graph.Node(key, service.name, "service", entry_point=service.user_facing)]
    return _svg(
        nodes,
        edges,
        title=f"{service.name}: what it needs and what needs it",
        description=f"Dependency map of {service.name}, two steps each way. Red borders mark single points "
        "of failure; solid arrows are hard dependencies, dashed ones soft.",
    )


@login_required
def system_graph(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    system = get_object_or_404(System, slug=slug)
    world = _catalog_graph()
    members = {key for key, system_slug in world.systems.items() if system_slug == system.slug}
    nodes, edges = _around(world, members, 1)
    return _svg(
        nodes,
        edges,
        title=f"{system.name}: its services and what they depend on",
        description=f"Dependency map of the services in {system.name}, with what they need and what needs them. "
        "Red borders mark single points of failure.",
    )


def _graph_filters(request: HttpRequest) -> tuple[ServiceFilterForm, dict[str, str]]:
    form = ServiceFilterForm({name: request.GET.get(name, "") for name in GRAPH_FILTERS})
    query: dict[str, str] = {}
    if form.is_valid():
        for name in GRAPH_FILTERS:
            if form.cleaned_data[name] is not None:
                query[name] = form.cleaned_data[name].slug
    return form, query


@login_required
def catalog_graph_svg(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    form, query = _graph_filters(request)
    if not form.is_valid():
        return HttpResponse(
            "No team or system has that short name.", status=400, content_type="text/plain; charset=utf-8"
        )
    world = _catalog_graph()
    nodes, edges = world.nodes, world.edges
    if query:
        chosen = set(world.teams)
        team = form.cleaned_data["team"]
        if team is not None:
            chosen = {key for key in chosen if team.pk in world.teams[key]}
        if "system" in query:
            chosen &= {key for key, system_slug in world.systems.items() if system_slug == query["system"]}
        nodes, edges = _around(world, chosen, 1)
    names = [str(form.cleaned_data[name]) for name in GRAPH_FILTERS if form.cleaned_data[name] is not None]
    scope = f" ({', '.join(names)})" if names else ""
    return _svg(
        nodes,
        edges,
        title=f"Dependency map of the catalog{scope}",
        description="Every service and resource with what it needs. Red borders mark single points of failure.",
    )


@login_required
def catalog_graph(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    form, query = _graph_filters(request)
    names = [str(form.cleaned_data[name]) for name in GRAPH_FILTERS if form.is_valid() and form.cleaned_data[name]]
    context = {
        "form": form,
        "svg_url": reverse("catalog_graph_svg") + (f"?{urlencode(query)}" if query else ""),
        "scope": ", ".join(names),
    }
    return render(request, "catalog/graph.html", context, status=200 if form.is_valid() else 400)
