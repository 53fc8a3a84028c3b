"""The catalog pages: browse, create and edit services, resources and systems; dependencies and capacity."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from steadyops.accounts.forms import apply_service_errors
from steadyops.accounts.models import Team
from steadyops.catalog import findings, graph, services, spof
from steadyops.catalog.forms import (
    CapacityForm,
    DependencyAddForm,
    EnvironmentForm,
    ResourceForm,
    ServiceFilterForm,
    ServiceForm,
    SystemForm,
)
from steadyops.catalog.models import Capacity, Dependency, Environment, Resource, Service, System
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, HtmxHttpRequest

PAGE_SIZE = 25
SLUG_TAKEN = "Something with this short name already exists; choose another name or short name."


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _done(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After a successful form: go to the next page, telling htmx to load it whole rather than swap it in."""
    return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)


def _render(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], partial: str, status: int = 200
) -> HttpResponse:
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "yes"


def _ask_first(
    request: HtmxHttpRequest,
    question: services.NeedsConfirmation,
    *,
    title: str,
    button: str,
    back: str,
    section_id: str = "confirm",
) -> HttpResponse:
    """The confirmation step: who would be affected, and a second POST with confirm=yes to go ahead."""
    context = {
        "title": title,
        "message": question.message,
        "affected": question.affected,
        "action": request.path,
        "button": button,
        "back": back,
        "section_id": section_id,
    }
    return _render(request, "catalog/confirm.html", context, "confirm")


def _errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and any(e.code == "unique" for e in error.error_dict.get("slug", [])):
        target = "slug" if "slug" in form.fields else "name"
        form.add_error(target, SLUG_TAKEN)
        rest = {field: errors for field, errors in error.error_dict.items() if field != "slug"}
        if not rest:
            return
        error = ValidationError(rest)
    apply_service_errors(form, error)


# --- Services -----------------------------------------------------------------


def _listed_services() -> QuerySet[Service]:
    return (
        Service.objects.filter(archived_at=None)
        .select_related("owner", "system")
        .prefetch_related(Prefetch("secondary_owners", queryset=Team.objects.order_by("name")))
        .order_by("name", "slug")
    )


@login_required
def service_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    form = ServiceFilterForm(request.GET)
    found = _listed_services()
    status = 200
    query: dict[str, str] = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["q"].strip():
            text = data["q"].strip()
            found = found.filter(Q(name__icontains=text) | Q(slug__icontains=text) | Q(description__icontains=text))
            query["q"] = text
        if data["team"] is not None:
            found = found.filter(Q(owner=data["team"]) | Q(secondary_owners=data["team"])).distinct()
            query["team"] = data["team"].slug
        if data["system"] is not None:
            found = found.filter(system=data["system"])
            query["system"] = data["system"].slug
        if data["tier"] is not None:
            found = found.filter(tier=data["tier"])
            query["tier"] = str(data["tier"])
    else:
        found = found.none()
        status = 400
    context = {
        "form": form,
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": urlencode(query),
        "can_create": permissions.can_create_catalog_entries(request.user),
    }
    return _render(request, "catalog/service_list.html", context, "results", status)


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_create_catalog_entries(request.user), "Only administrators and operators add services.")
    form = ServiceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_service(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, f"{service.name} is in the catalog. Add what it depends on below.")
            return _done(request, reverse("catalog_service_detail", args=[service.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/service_form.html", {"form": form, "service": None}, "form", status)


def _service(slug: str) -> Service:
    return get_object_or_404(
        Service.objects.select_related("owner", "system").prefetch_related("secondary_owners"), slug=slug
    )


def _needed_hard(needed_by: list[Dependency]) -> bool:
    # Archiving then asks on the server, naming who is affected: no need for the browser to ask as well.
    return any(dependency.hard and dependency.source.archived_at is None for dependency in needed_by)


def _dependencies(service: Service) -> dict[str, Any]:
    related = ("source_service", "source_resource", "target_service", "target_resource")
    needed_by = list(Dependency.objects.filter(target_service=service).select_related(*related).order_by("-hard", "id"))
    return {
        "needs": Dependency.objects.filter(source_service=service).select_related(*related).order_by("-hard", "id"),
        "needed_by": needed_by,
        "needed_hard": _needed_hard(needed_by),
    }


def _service_context(
    request: HttpRequest, service: Service, add_form: DependencyAddForm | None = None
) -> dict[str, Any]:
    can_edit = permissions.can_edit_service(request.user, service)
    capacities = {c.environment_id: c for c in Capacity.objects.filter(service=service)}
    return {
        "service": service,
        "can_edit": can_edit,
        "add_form": add_form or (DependencyAddForm(source=service) if can_edit else None),
        "capacity_rows": [(env, capacities.get(env.pk)) for env in Environment.objects.all()],
        **_dependencies(service),
    }


@login_required
def service_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    service = _service(slug)
    return render(request, "catalog/service_detail.html", _service_context(request, service))


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    _require(permissions.can_edit_service(request.user, service), "You cannot change this service.")
    form = ServiceForm(_posted(request), initial=ServiceForm.initial_for(service), service=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_service(actor=Actor.of_request(request), service=service, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, "Saved.")
            return _done(request, reverse("catalog_service_detail", args=[service.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/service_form.html", {"form": form, "service": service}, "form", status)


@login_required
@require_POST
def service_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    try:
        services.archive_service(actor=Actor.of_request(request), service=service, confirmed=_confirmed(request))
    except services.NeedsConfirmation as question:
        back = reverse("catalog_service_detail", args=[service.slug])
        return _ask_first(request, question, title=f"Archive {service.name}?", button="Archive it anyway", back=back)
    messages.success(request, f"{service.name} is archived. Its history is kept.")
    return _done(request, reverse("catalog_service_list"))


def _dependencies_response(
    request: HtmxHttpRequest, service: Service, form: DependencyAddForm | None, status: int
) -> HttpResponse:
    context = _service_context(request, service, form)
    return _render(request, "catalog/service_detail.html", context, "dependencies", status)


@login_required
@require_POST
def dependency_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    _require(permissions.can_edit_service(request.user, service), "You cannot change what this service needs.")
    form = DependencyAddForm(request.POST, source=service)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_dependency(
                actor=Actor.of_request(request),
                source=service,
                target=data["target"],
                hard=data["hard"],
                degrades=data["degrades"],
                fallback=data["fallback"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{service.name} now depends on {data['target']}.")
            if request.htmx:
                return _dependencies_response(request, service, None, 200)
            return redirect("catalog_service_detail", slug=service.slug)
    return _dependencies_response(request, service, form, 400)


@login_required
@require_POST
def dependency_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dependency = get_object_or_404(
        Dependency.objects.select_related("source_service", "source_resource", "target_service", "target_resource"),
        pk=pk,
    )
    source = dependency.source
    try:
        services.remove_dependency(
            actor=Actor.of_request(request), dependency=dependency, confirmed=_confirmed(request)
        )
    except services.NeedsConfirmation as question:
        back = reverse("catalog_service_detail", args=[source.slug])
        return _ask_first(
            request,
            question,
            title=f"Forget that {source} needs {dependency.target}?",
            button="Remove it anyway",
            back=back,
            section_id="dependencies",
        )
    messages.success(request, f"{dependency.source} no longer depends on {dependency.target}.")
    if isinstance(source, Resource):
        return redirect("catalog_resource_detail", slug=source.slug)
    if request.htmx:
        return _dependencies_response(request, _service(source.slug), None, 200)
    return redirect("catalog_service_detail", slug=source.slug)


# --- Capacity -----------------------------------------------------------------


def _capacity_edit(request: AuthenticatedHttpRequest, component: Service | Resource, environment: str) -> HttpResponse:
    env = get_object_or_404(Environment, slug=environment)
    _require(services.can_edit_component(request.user, component), "You cannot change this capacity.")
    current = services.capacity_of(component, env)
    form = CapacityForm(_posted(request), instance=Capacity(), initial=_capacity_initial(current))
    is_service = isinstance(component, Service)
    back = reverse("catalog_service_detail" if is_service else "catalog_resource_detail", args=[component.slug])
    if request.method == "POST" and form.is_valid():
        try:
            services.set_capacity(
                actor=Actor.of_request(request), component=component, environment=env, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(cast(forms.Form, form), error)
        else:
            messages.success(request, f"Saved the capacity of {component} in {env}.")
            return _done(request, back)
    context = {"form": form, "component": component, "environment": env, "back": back, "is_new": current is None}
    return _render(request, "catalog/capacity_form.html", context, "form", 400 if form.errors else 200)


def _capacity_initial(capacity: Capacity | None) -> dict[str, Any]:
    if capacity is None:
        return {}
    return {field: getattr(capacity, field) for field in services.CAPACITY_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def service_capacity_edit(request: AuthenticatedHttpRequest, slug: str, environment: str) -> HttpResponse:
    return _capacity_edit(request, _service(slug), environment)


@login_required
@require_http_methods(["GET", "POST"])
def resource_capacity_edit(request: AuthenticatedHttpRequest, slug: str, environment: str) -> HttpResponse:
    return _capacity_edit(request, get_object_or_404(Resource, slug=slug), environment)


# --- Resources ----------------------------------------------------------------


@login_required
def resource_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    resources = (
        Resource.objects.filter(archived_at=None)
        .select_related("owner")
        .annotate(users=Count("dependencies_in", distinct=True))
        .order_by("name", "slug")
    )
    context = {
        "page": Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": permissions.can_create_catalog_entries(request.user),
    }
    return render(request, "catalog/resource_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_create_catalog_entries(request.user), "Only administrators and operators add resources.")
    form = ResourceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.create_resource(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, f"{resource.name} is in the catalog.")
            return _done(request, reverse("catalog_resource_detail", args=[resource.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/resource_form.html", {"form": form, "resource": None}, "form", status)


@login_required
def resource_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    related = ("source_service", "source_resource", "target_service", "target_resource")
    capacities = {c.environment_id: c for c in Capacity.objects.filter(resource=resource)}
    needed_by = list(
        Dependency.objects.filter(target_resource=resource).select_related(*related).order_by("-hard", "id")
    )
    context = {
        "resource": resource,
        "can_edit": permissions.can_edit_resource(request.user, resource),
        "needed_by": needed_by,
        "needed_hard": _needed_hard(needed_by),
        "needs": Dependency.objects.filter(source_resource=resource).select_related(*related).order_by("-hard", "id"),
        "capacity_rows": [(env, capacities.get(env.pk)) for env in Environment.objects.all()],
    }
    return render(request, "catalog/resource_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    _require(permissions.can_edit_resource(request.user, resource), "You cannot change this resource.")
    initial = {
        "name": resource.name,
        "kind": resource.kind,
        "owner": resource.owner.slug,
        "description": resource.description,
    }
    form = ResourceForm(_posted(request), initial=initial, resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(actor=Actor.of_request(request), resource=resource, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, "Saved.")
            return _done(request, reverse("catalog_resource_detail", args=[resource.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/resource_form.html", {"form": form, "resource": resource}, "form", status)


@login_required
@require_POST
def resource_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    resource = get_object_or_404(Resource.objects.select_related("owner"), slug=slug)
    try:
        services.archive_resource(actor=Actor.of_request(request), resource=resource, confirmed=_confirmed(request))
    except services.NeedsConfirmation as question:
        back = reverse("catalog_resource_detail", args=[resource.slug])
        return _ask_first(request, question, title=f"Archive {resource.name}?", button="Archive it anyway", back=back)
    messages.success(request, f"{resource.name} is archived. Its history is kept.")
    return _done(request, reverse("catalog_resource_list"))


# --- Systems ------------------------------------------------------------------


@login_required
def system_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    systems = (
        System.objects.filter(archived_at=None)
        .select_related("owner")
        .annotate(service_count=Count("services", filter=Q(services__archived_at=None)))
        .order_by("name")
    )
    context = {
        "page": Paginator(systems, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": permissions.can_manage_systems(request.user),
    }
    return render(request, "catalog/system_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def system_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_manage_systems(request.user), "Only administrators and operators create systems.")
    form = SystemForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            system = services.create_system(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, f"The system {system.name} is ready. Choose it on the pages of its services.")
            return _done(request, reverse("catalog_system_detail", args=[system.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/system_form.html", {"form": form}, "form", status)


@login_required
def system_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    system = get_object_or_404(System.objects.select_related("owner"), slug=slug)
    context = {
        "system": system,
        "services": _listed_services().filter(system=system),
        "can_edit": permissions.can_manage_systems(request.user),
        "can_archive": permissions.can_archive_systems(request.user) and system.archived_at is None,
    }
    return render(request, "catalog/system_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System.objects.select_related("owner"), slug=slug)
    _require(permissions.can_manage_systems(request.user), "Only administrators and operators change systems.")
    initial = {
        "name": system.name,
        "description": system.description,
        "owner": system.owner.slug if system.owner else None,
    }
    form = SystemForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_system(actor=Actor.of_request(request), system=system, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Saved.")
            return _done(request, reverse("catalog_system_detail", args=[system.slug]))
    status = 400 if form.errors else 200
    return _render(request, "catalog/system_form.html", {"form": form, "system": system}, "form", status)


@login_required
@require_POST
def system_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    services.archive_system(actor=Actor.of_request(request), system=system)
    messages.success(request, f"The system {system.name} is archived. Its services stay in the catalog.")
    return _done(request, reverse("catalog_system_list"))


# --- Environments -------------------------------------------------------------


@login_required
def environment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    environments = Environment.objects.annotate(capacity_count=Count("capacities")).order_by("position", "name")
    context = {"environments": environments, "can_manage": permissions.can_manage_environments(request.user)}
    return render(request, "catalog/environment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def environment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(permissions.can_manage_environments(request.user), "Only administrators add environments.")
    form = EnvironmentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            environment = services.create_environment(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(
                request, f"{environment.name} is ready. Record capacity for it on the page of each service."
            )
            return _done(request, reverse("catalog_environment_list"))
    status = 400 if form.errors else 200
    return _render(request, "catalog/environment_form.html", {"form": form, "environment": None}, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def environment_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    environment = get_object_or_404(Environment, slug=slug)
    _require(permissions.can_manage_environments(request.user), "Only administrators rename environments.")
    form = EnvironmentForm(_posted(request), initial={"name": environment.name}, environment=environment)
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_environment(actor=Actor.of_request(request), environment=environment, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Saved.")
            return _done(request, reverse("catalog_environment_list"))
    status = 400 if form.errors else 200
    context = {"form": form, "environment": environment}
    return _render(request, "catalog/environment_form.html", context, "form", status)


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
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    _require(permissions.can_view(request.user), "You cannot see the catalog.")
    form, query = _graph_filters(request)
    names = [str(form.cleaned_data[name]) for name in GRAPH_FILTERS if form.is_valid() and form.cleaned_data[name]]
    context = {
        "form": form,
        "svg_url": reverse("catalog_graph_svg") + (f"?{urlencode(query)}" if query else ""),
        "scope": ", ".join(names),
    }
    return render(request, "catalog/graph.html", context, status=200 if form.is_valid() else 400)
