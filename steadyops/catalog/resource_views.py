"""The catalog's resource pages: list, add, detail, edit, archive and capacity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.catalog import services
from steadyops.catalog.forms import ResourceForm
from steadyops.catalog.models import Capacity, Dependency, Environment, Resource
from steadyops.catalog.views import (
    PAGE_SIZE,
    _ask_first,
    _capacity_edit,
    _confirmed,
    _errors,
    _needed_hard,
)
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

# --- Resources ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def resource_capacity_edit(request: AuthenticatedHttpRequest, slug: str, environment: str) -> HttpResponse:
    return _capacity_edit(request, get_object_or_404(Resource, slug=slug), environment)


@login_required
def resource_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    require(permissions.can_create_catalog_entries(request.user), "Only administrators and operators add resources.")
    form = ResourceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.create_resource(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, f"{resource.name} is in the catalog.")
            return redirect_after_form(request, reverse("catalog_resource_detail", args=[resource.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/resource_form.html", {"form": form, "resource": None}, "form", status)


@login_required
def resource_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the catalog.")
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
    require(permissions.can_edit_resource(request.user, resource), "You cannot change this resource.")
    initial = {
        "name": resource.name,
        "kind": resource.kind,
        "owner": resource.owner.slug,
        "description": resource.description,
    }
    form = ResourceForm(posted(request), initial=initial, resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(actor=Actor.of_request(request), resource=resource, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("catalog_resource_detail", args=[resource.slug]))
    status = 400 if form.errors else 200
    return render_htmx(request, "catalog/resource_form.html", {"form": form, "resource": resource}, "form", status)


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
    return redirect_after_form(request, reverse("catalog_resource_list"))
