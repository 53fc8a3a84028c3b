"""The catalog's service pages: browse, create and edit services; their dependencies and capacity."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors
from steadyops.accounts.models import Team
from steadyops.catalog import services
from steadyops.catalog.forms import (
    CapacityForm,
    DependencyAddForm,
    ServiceFilterForm,
    ServiceForm,
)
from steadyops.catalog.models import Capacity, Dependency, Environment, Resource, Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    posted,
    redirect_after_form,
    render_htmx,
    require,
)

PAGE_SIZE = 25
SLUG_TAKEN = "Something with this short name already exists; choose another name or short name."


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
    return render_htmx(request, "catalog/confirm.html", context, "confirm")


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
    require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    return render_htmx(request, "catalog/service_list.html", context, "results", status)


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_create_catalog_entries(request.user), "Only administrators and operators add services.")
    form = ServiceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_service(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, f"{service.name} is in the catalog. Add what it depends on below.")
            return redirect_after_form(request, reverse("catalog_service_detail", args=[service.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/service_form.html", {"form": form, "service": None}, "form", status)


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
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    service = _service(slug)
    return render(request, "catalog/service_detail.html", _service_context(request, service))


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    require(permissions.can_edit_service(request.user, service), "You cannot change this service.")
    form = ServiceForm(posted(request), initial=ServiceForm.initial_for(service), service=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_service(actor=Actor.of_request(request), service=service, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("catalog_service_detail", args=[service.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/service_form.html", {"form": form, "service": service}, "form", status)


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
    return redirect_after_form(request, reverse("catalog_service_list"))


def _dependencies_response(
    request: HtmxHttpRequest, service: Service, form: DependencyAddForm | None, status: int
) -> HttpResponse:
    context = _service_context(request, service, form)
    return render_htmx(request, "catalog/service_detail.html", context, "dependencies", status)


@login_required
@require_POST
def dependency_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    require(permissions.can_edit_service(request.user, service), "You cannot change what this service needs.")
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
    require(services.can_edit_component(request.user, component), "You cannot change this capacity.")
    current = services.capacity_of(component, env)
    form = CapacityForm(posted(request), instance=Capacity(), initial=_capacity_initial(current))
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
            return redirect_after_form(request, back)
    context = {"form": form, "component": component, "environment": env, "back": back, "is_new": current is None}
    return render_htmx(request, "catalog/capacity_form.html", context, "form", 400 if form.errors else 200)


def _capacity_initial(capacity: Capacity | None) -> dict[str, Any]:
    if capacity is None:
        return {}
    return {field: getattr(capacity, field) for field in services.CAPACITY_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def service_capacity_edit(request: AuthenticatedHttpRequest, slug: str, environment: str) -> HttpResponse:
    return _capacity_edit(request, _service(slug), environment)
