"""The catalog's system and environment pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.catalog import services
from steadyops.catalog.forms import EnvironmentForm, SystemForm
from steadyops.catalog.models import Environment, System
from steadyops.catalog.views import PAGE_SIZE, _errors, _listed_services
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

# --- Systems ------------------------------------------------------------------


@login_required
def system_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    require(permissions.can_manage_systems(request.user), "Only administrators and operators create systems.")
    form = SystemForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            system = services.create_system(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, f"The system {system.name} is ready. Choose it on the pages of its services.")
            return redirect_after_form(request, reverse("catalog_system_detail", args=[system.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/system_form.html", {"form": form}, "form", status)


@login_required
def system_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    require(permissions.can_manage_systems(request.user), "Only administrators and operators change systems.")
    initial = {
        "name": system.name,
        "description": system.description,
        "owner": system.owner.slug if system.owner else None,
    }
    form = SystemForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_system(actor=Actor.of_request(request), system=system, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("catalog_system_detail", args=[system.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/system_form.html", {"form": form, "system": system}, "form", status)


@login_required
@require_POST
def system_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    services.archive_system(actor=Actor.of_request(request), system=system)
    messages.success(request, f"The system {system.name} is archived. Its services stay in the catalog.")
    return redirect_after_form(request, reverse("catalog_system_list"))


# --- Environments -------------------------------------------------------------


@login_required
def environment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
    environments = Environment.objects.annotate(capacity_count=Count("capacities")).order_by("position", "name")
    context = {"environments": environments, "can_manage": permissions.can_manage_environments(request.user)}
    return render(request, "catalog/environment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def environment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_environments(request.user), "Only administrators add environments.")
    form = EnvironmentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            environment = services.create_environment(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(
                request, f"{environment.name} is ready. Record capacity for it on the page of each service."
            )
            return redirect_after_form(request, reverse("catalog_environment_list"))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/environment_form.html", {"form": form, "environment": None}, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def environment_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    environment = get_object_or_404(Environment, slug=slug)
    require(permissions.can_manage_environments(request.user), "Only administrators rename environments.")
    form = EnvironmentForm(posted(request), initial={"name": environment.name}, environment=environment)
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_environment(actor=Actor.of_request(request), environment=environment, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("catalog_environment_list"))
    status = 400 if form.errors else 200
    context = {"form": form, "environment": environment}
    return render_htmx(request, "catalog/environment_form.html", context, "form", status)
