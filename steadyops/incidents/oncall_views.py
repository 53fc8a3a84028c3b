"""On-call pages: who is on call now, rotations and overrides, escalation policies, pages and their signed links,
calendar exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steadyops.accounts.forms import saved
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import (
    EscalationPolicy,
    EscalationStep,
    Override,
    Page,
    PageNotification,
    PageState,
    Rotation,
    RotationMember,
)
from steadyops.incidents.oncall_forms import (
    MORE_ROWS,
    OverrideForm,
    PageNowForm,
    PolicyForm,
    RotationForm,
    policy_initial,
    rotation_initial,
)
from steadyops.incidents.oncall_ical import calendar_of_shifts

DETAIL_DAYS = 14
PAGE_LIST_SIZE = 50
MANAGE_MESSAGE = "Only administrators and the team's operators can change its on-call."


def _rows_form_input(request: HttpRequest, initial: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The data and initial values of a form with numbered rows. On "add rows" there is no data (nothing is
    checked or saved) and what the person typed comes back as the initial values, in a longer form."""
    if request.method == "POST" and MORE_ROWS in request.POST:
        return None, request.POST.dict()
    return posted(request), initial


def _rotation(pk: int) -> Rotation:
    members = RotationMember.objects.select_related("user").order_by("position")
    return get_object_or_404(
        Rotation.objects.select_related("team").prefetch_related(Prefetch("members", queryset=members)), pk=pk
    )


def _policy_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What the policy form says, as the policy services take it (the team is chosen only when creating)."""
    return {"name": data["name"], "repeat": data["repeat"], "steps": data["steps"], "is_default": data["is_default"]}


def _policy(pk: int) -> EscalationPolicy:
    steps = EscalationStep.objects.select_related("user", "rotation").order_by("position")
    return get_object_or_404(
        EscalationPolicy.objects.select_related("team").prefetch_related(Prefetch("steps", queryset=steps)), pk=pk
    )


# --- Who is on call -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def oncall_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see who is on call.")
    context = {
        "teams": services.on_call_now(),
        "now": timezone.now(),
        "can_manage": bool(services.teams_managed_by(request.user)),
        "can_page": permissions.can_triage_signals(request.user),
    }
    return render_htmx(request, "incidents/oncall_now.html", context, "board")


# --- Rotations ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rotation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = services.teams_managed_by(request.user)
    require(bool(teams), MANAGE_MESSAGE)
    data, initial = _rows_form_input(request, {"timezone": "UTC", "starts_on": timezone.localdate()})
    form = RotationForm(data, teams=teams, initial=initial)
    if data is not None:
        actor = Actor.of_request(request)
        rotation = saved(
            form, lambda data: services.create_rotation(actor=actor, team=data["team"], data=form.rotation_input())
        )
        if rotation is not None:
            messages.success(request, f"The rotation {rotation.name} is set up.")
            return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": rotation.pk}))
    context = {"form": form, "rotation": None}
    return render(request, "incidents/oncall_rotation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def rotation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see rotations.")
    rotation = _rotation(pk)
    now = timezone.now()
    overrides = list(
        Override.objects.filter(rotation=rotation, cancelled_at=None, ends_at__gt=now)
        .select_related("user")
        .order_by("starts_at")
    )
    context = {
        "rotation": rotation,
        "members": services._members(rotation),
        "on_call": services.on_call(rotation, now),
        "shifts": services.whole_shifts(rotation, now, now + timedelta(days=DETAIL_DAYS)),
        "overrides": overrides,
        "zone": services.zone_of(rotation),
        "can_manage": permissions.can_manage_oncall(request.user, rotation.team),
        "days": DETAIL_DAYS,
    }
    return render(request, "incidents/oncall_rotation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rotation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rotation = _rotation(pk)
    require(permissions.can_manage_oncall(request.user, rotation.team), MANAGE_MESSAGE)
    data, initial = _rows_form_input(request, rotation_initial(rotation))
    form = RotationForm(data, teams=[rotation.team], initial=initial)
    if data is not None:
        actor = Actor.of_request(request)
        if saved(
            form, lambda data: services.update_rotation(actor=actor, rotation=rotation, data=form.rotation_input())
        ):
            messages.success(request, "The rotation is saved.")
            return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": pk}))
    context = {"form": form, "rotation": rotation}
    return render(request, "incidents/oncall_rotation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def rotation_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rotation = _rotation(pk)
    require(permissions.can_manage_oncall(request.user, rotation.team), MANAGE_MESSAGE)
    try:
        services.archive_rotation(actor=Actor.of_request(request), rotation=rotation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": pk}))
    messages.success(request, f"The rotation {rotation.name} is archived.")
    return redirect_after_form(request, reverse("incidents_oncall_now"))


@login_required
@require_http_methods(["GET", "POST"])
def override_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rotation = _rotation(pk)
    require(permissions.can_manage_oncall(request.user, rotation.team), MANAGE_MESSAGE)
    form = OverrideForm(posted(request), zone=services.zone_of(rotation))
    if request.method == "POST":
        actor = Actor.of_request(request)
        override = saved(
            form,
            lambda data: services.create_override(
                actor=actor,
                rotation=rotation,
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            ),
        )
        if override is not None:
            messages.success(request, f"{override.user} covers {rotation.name} for that time.")
            return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": pk}))
    context = {"form": form, "rotation": rotation}
    return render(request, "incidents/oncall_override_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def override_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    override = get_object_or_404(Override.objects.select_related("rotation__team", "user"), pk=pk)
    require(permissions.can_manage_oncall(request.user, override.rotation.team), MANAGE_MESSAGE)
    services.cancel_override(actor=Actor.of_request(request), override=override)
    messages.success(request, f"{override.user} no longer covers that time.")
    return redirect_after_form(
        request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": override.rotation_id})
    )


# --- Calendars ----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def rotation_feed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rotation = _rotation(pk)
    require(permissions.can_manage_oncall(request.user, rotation.team), MANAGE_MESSAGE)
    try:
        raw = services.create_rotation_feed(actor=Actor.of_request(request), rotation=rotation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": pk}))
    address = request.build_absolute_uri(reverse("incidents_oncall_ical_feed", kwargs={"token": raw}))
    return render(request, "incidents/oncall_feed.html", {"rotation": rotation, "address": address})


@login_required
@require_POST
def rotation_feed_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rotation = _rotation(pk)
    require(permissions.can_manage_oncall(request.user, rotation.team), MANAGE_MESSAGE)
    services.revoke_rotation_feed(actor=Actor.of_request(request), rotation=rotation)
    messages.success(request, "The rotation's calendar address no longer works.")
    return redirect_after_form(request, reverse("incidents_oncall_rotation_detail", kwargs={"pk": pk}))


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A rotation's shifts for 8 weeks: no sign-in, the secret in the address is the key."""
    rotation = services.rotation_for_feed(token)
    if rotation is None:
        raise Http404("There is no calendar at this address.")
    start, end = services.feed_window()
    found = [(rotation, shift) for shift in services.shifts(rotation, start, end)]
    return _ics(calendar_of_shifts(f"On call: {rotation.name}", found), f"oncall-{rotation.pk}.ics")


@login_required
@require_GET
def my_shifts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own shifts in every rotation for 8 weeks, as a calendar file."""
    require(permissions.can_view(request.user), "Sign in to download your shifts.")
    start, end = services.feed_window()
    found = services.shifts_of_person(request.user, start, end)
    return _ics(calendar_of_shifts(f"My on-call shifts ({request.user})", found), "my-oncall-shifts.ics")


# --- Escalation policies ------------------------------------------------------------------------------------------


@login_required
@require_GET
def escalation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see escalation policies.")
    steps = EscalationStep.objects.select_related("user", "rotation").order_by("position")
    policies = (
        EscalationPolicy.objects.filter(archived_at=None)
        .select_related("team")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("team__name", "name")
    )
    context = {"policies": policies, "can_manage": bool(services.teams_managed_by(request.user))}
    return render(request, "incidents/escalation_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def escalation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = services.teams_managed_by(request.user)
    require(bool(teams), MANAGE_MESSAGE)
    data, initial = _rows_form_input(request, {})
    form = PolicyForm(data, teams=teams, initial=initial)
    if data is not None:
        actor = Actor.of_request(request)
        policy = saved(
            form, lambda data: services.create_policy(actor=actor, team=data["team"], **_policy_fields(data))
        )
        if policy is not None:
            messages.success(request, f"The escalation policy {policy.name} is set up.")
            return redirect_after_form(request, reverse("incidents_escalation_detail", kwargs={"pk": policy.pk}))
    context = {"form": form, "policy": None}
    return render(request, "incidents/escalation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def escalation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see escalation policies.")
    policy = _policy(pk)
    context = {"policy": policy, "can_manage": permissions.can_manage_oncall(request.user, policy.team)}
    return render(request, "incidents/escalation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def escalation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    policy = _policy(pk)
    require(permissions.can_manage_oncall(request.user, policy.team), MANAGE_MESSAGE)
    data, initial = _rows_form_input(request, policy_initial(policy))
    form = PolicyForm(data, teams=[policy.team], initial=initial)
    if data is not None:
        actor = Actor.of_request(request)
        if saved(form, lambda data: services.update_policy(actor=actor, policy=policy, **_policy_fields(data))):
            messages.success(request, "The escalation policy is saved.")
            return redirect_after_form(request, reverse("incidents_escalation_detail", kwargs={"pk": pk}))
    context = {"form": form, "policy": policy}
    return render(request, "incidents/escalation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def escalation_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    policy = _policy(pk)
    require(permissions.can_manage_oncall(request.user, policy.team), MANAGE_MESSAGE)
    services.archive_policy(actor=Actor.of_request(request), policy=policy)
    messages.success(request, f"The escalation policy {policy.name} is archived.")
    return redirect_after_form(request, reverse("incidents_escalation_list"))


# --- Pages --------------------------------------------------------------------------------------------------------


def _pages() -> QuerySet[Page]:
    return Page.objects.select_related(
        "incident", "signal", "policy", "team", "target_user", "acknowledged_by", "resolved_by"
    )


@login_required
@require_http_methods(["GET", "POST"])
def page_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_triage_signals(request.user), "Only operators can page someone.")
    form = PageNowForm(posted(request))
    if request.method == "POST":
        actor = Actor.of_request(request)

        def page_someone(data: dict[str, Any]) -> Page:
            policy, user = form.target_objects()
            return services.page_now(actor=actor, reason=data["reason"], policy=policy, user=user)

        page = saved(form, page_someone)
        if page is not None:
            messages.success(request, "Paged. You can follow who was notified here.")
            return redirect_after_form(request, reverse("incidents_oncall_page_detail", kwargs={"pk": page.pk}))
    return render(request, "incidents/oncall_page_now.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def page_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see pages.")
    pages = list(_pages().order_by("-created_at", "-pk")[:PAGE_LIST_SIZE])
    context = {"pages": pages, "can_page": permissions.can_triage_signals(request.user)}
    return render_htmx(request, "incidents/oncall_page_list.html", context, "pages")


@login_required
@require_GET
def page_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "Sign in to see pages.")
    page = get_object_or_404(_pages(), pk=pk)
    notifications = PageNotification.objects.filter(page=page).select_related("user").order_by("at", "pk")
    context = {
        "page": page,
        "steps": services.page_steps(page),
        "repeat": services.page_repeat(page),
        "notifications": notifications,
        "can_act": permissions.can_work_incident(request.user, page.incident),
        "open": page.state in (PageState.ACTIVE, PageState.EXHAUSTED),
    }
    return render(request, "incidents/oncall_page_detail.html", context)


def _act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    page = get_object_or_404(_pages(), pk=pk)
    require(permissions.can_work_incident(request.user, page.incident), "Only operators can answer a page here.")
    try:
        if action == services.ACKNOWLEDGE:
            services.acknowledge_page(page=page, user=request.user, via="page")
            messages.success(request, "Thank you: the paging has stopped, everyone sees you are on it.")
        else:
            services.resolve_page(page=page, user=request.user, via="page")
            left = services.still_open(page)
            messages.success(request, f"The page is marked resolved; nobody else will be paged for it. {left}".strip())
    except services.PageAlreadyClosed as done:
        messages.info(request, str(done))
    return redirect_after_form(request, reverse("incidents_oncall_page_detail", kwargs={"pk": pk}))


@login_required
@require_POST
def page_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.ACKNOWLEDGE)


@login_required
@require_POST
def page_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.RESOLVE)


@require_http_methods(["GET", "POST"])
def page_action(request: HttpRequest, action: str, token: str) -> HttpResponse:
    """The link in a page's message. GET asks to confirm (mail scanners follow links); POST acts. No sign-in: the
    signature names the page, the person and the action."""
    context: dict[str, Any] = {"action": action, "token": token}
    if action not in services.LINK_ACTIONS:
        context["problem"] = "This link is not valid. Use the link from the message exactly."
        return render(request, "incidents/page_action.html", context, status=404)
    try:
        link = services.read_link(token, action)
    except services.LinkProblem as problem:
        context["problem"] = problem.message
        context["expired"] = isinstance(problem, services.LinkExpired)
        return render(request, "incidents/page_action.html", context, status=problem.status)
    context.update({"link": link, "page": link.page, "what": services._what(link.page)})
    if request.method == "GET":
        return render(request, "incidents/page_action.html", context)
    try:
        services.use_link(link)
    except services.PageAlreadyClosed as done:
        context["already"] = str(done)
        return render(request, "incidents/page_action_done.html", context)
    link.page.refresh_from_db()
    context["still_open"] = services.still_open(link.page)
    return render(request, "incidents/page_action_done.html", context)
