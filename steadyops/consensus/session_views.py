"""Working-session pages: the list, starting a session, its conflicts, and the written record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors, saved
from steadyops.consensus import session_services as services
from steadyops.consensus.models.boards import Conflict, SessionStatus, WorkingSession
from steadyops.consensus.session_forms import ConflictEditForm, ConflictForm, RecordForm, SessionForm
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

PAGE_SIZE = 25
TEMPLATE = "consensus/session_detail.html"
RUNNERS_ONLY = "Only the session's participants, the person who started it, its team and administrators change it."


def _session(pk: int) -> WorkingSession:
    return get_object_or_404(WorkingSession.objects.select_related("team", "created_by"), pk=pk)


def _render_session(
    request: AuthenticatedHttpRequest,
    session: WorkingSession,
    *,
    status: int = 200,
    partial: str = "",
    error: str = "",
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "session": session,
        "participants": session.participants.order_by("display_name", "username"),
        "conflicts": list(session.conflicts.all()),
        # Rendered from Markdown with raw HTML off, then sanitised by nh3.
        "record_html": mark_safe(services.render_record(session.record)),  # noqa: S308
        "can_run": permissions.can_work_in_session(request.user, session),
        "is_open": session.status == SessionStatus.OPEN,
        "conflict_form": conflict_form or ConflictForm(),
        "error": error,
    }
    if partial and request.htmx:
        return render_htmx(request, TEMPLATE, context, partial, status)
    return render(request, TEMPLATE, context, status=status)


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the working sessions.")
    sessions = (
        WorkingSession.objects.select_related("team", "created_by")
        .annotate(
            conflict_count=Count("conflicts", distinct=True),
            settled_count=Count("conflicts", filter=Q(conflicts__resolved=True), distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    context = {
        "page": Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": permissions.can_take_part(request.user),
    }
    return render(request, "consensus/session_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers read working sessions but do not start them.")
    form = SessionForm(posted(request), user=request.user)
    if request.method == "POST":
        actor = Actor.of_request(request)
        session = saved(form, lambda _: services.create_session(actor=actor, **form.service_arguments()))
        if session is not None:
            messages.success(request, "The session is started. List the points you disagree on.")
            return redirect_after_form(request, reverse("consensus_session_detail", args=[session.pk]))
    status = 400 if form.errors else 200
    return render_htmx(request, "consensus/session_form.html", {"form": form}, "form", status)


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the working sessions.")
    return _render_session(request, _session(pk))


@login_required
@require_POST
def conflict_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    require(permissions.can_work_in_session(request.user, session), RUNNERS_ONLY)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.add_conflict(
                actor=Actor.of_request(request), session=session, description=form.cleaned_data["description"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                return _render_session(request, session, partial="conflicts")
            return redirect("consensus_session_detail", pk=session.pk)
    return _render_session(request, session, status=400, partial="conflicts", conflict_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def conflict_edit(request: AuthenticatedHttpRequest, pk: int, conflict_pk: int) -> HttpResponse:
    session = _session(pk)
    conflict = get_object_or_404(Conflict, pk=conflict_pk, session=session)
    require(permissions.can_work_in_session(request.user, session), RUNNERS_ONLY)
    initial = {"description": conflict.description, "resolution": conflict.resolution, "resolved": conflict.resolved}
    form = ConflictEditForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_conflict(actor=Actor.of_request(request), conflict=conflict, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("consensus_session_detail", args=[session.pk]))
    status = 400 if form.errors else 200
    context = {"form": form, "session": session, "conflict": conflict}
    return render_htmx(request, "consensus/session_conflict_form.html", context, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    require(permissions.can_work_in_session(request.user, session), RUNNERS_ONLY)
    form = RecordForm(posted(request), initial={"record": session.record})
    if request.method == "POST" and form.is_valid():
        try:
            services.write_record(actor=Actor.of_request(request), session=session, record=form.cleaned_data["record"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The record is saved. Mark it as written down when everyone agrees.")
            return redirect_after_form(request, reverse("consensus_session_detail", args=[session.pk]))
    status = 400 if form.errors else 200
    return render_htmx(
        request, "consensus/session_record_form.html", {"form": form, "session": session}, "form", status
    )


@login_required
@require_POST
def mark_recorded(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    require(permissions.can_work_in_session(request.user, session), RUNNERS_ONLY)
    try:
        services.mark_recorded(actor=Actor.of_request(request), session=session)
    except ValidationError as error:
        return _render_session(request, session, status=422, error=" ".join(error.messages))
    messages.success(request, "The session is written down. Its record is final.")
    return redirect("consensus_session_detail", pk=session.pk)
