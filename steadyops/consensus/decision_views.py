"""The decision log's pages: browse and search it, write a decision down, change, supersede or withdraw one, and
the "similar past decisions" panel shown beside forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods
from markdown_it import MarkdownIt

from steadyops.accounts.forms import apply_service_errors
from steadyops.accounts.models import Team
from steadyops.consensus import decision_services as services
from steadyops.consensus.decision_forms import RENAMED, DecisionFilterForm, DecisionForm, SupersedeForm
from steadyops.consensus.models import Decision, DecisionStatus
from steadyops.consensus.similar import search_decisions, similar_decisions
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

PAGE_SIZE = 25
LINK_PAGES = (
    ("topics", "Topic", "consensus_topic_detail"),
    ("boards", "Idea board", "consensus_board_detail"),
    ("sessions", "Working session", "consensus_session_detail"),
)
SIMILAR_SHOWN = 5
SIMILAR_PARAM_MAX = 2_000
PREFILL = {"title": "title", "context": "context", "outcome": "outcome"}
# html=False: raw HTML in a decision is shown as text; nh3 then removes anything unsafe the Markdown produced.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """A decision section as safe HTML."""
    html = nh3.clean(_markdown.render(text or ""), link_rel="noopener noreferrer nofollow")
    return mark_safe(html)  # noqa: S308 - cleaned by nh3 just above


def _member_teams(request: AuthenticatedHttpRequest, current: Team | None = None) -> QuerySet[Team]:
    teams = Team.objects.filter(archived_at=None)
    if not permissions.is_admin(request.user):
        teams = teams.filter(memberships__user=request.user)
    if current is not None:
        teams = teams | Team.objects.filter(pk=current.pk)
    return teams.distinct().order_by("name")


def _similar_text(params: Any) -> str:
    return "\n".join(str(params.get(name, ""))[:SIMILAR_PARAM_MAX] for name in ("title", "question", "context"))


@login_required
@require_GET
def decision_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the decision log.")
    form = DecisionFilterForm(request.GET)
    found: QuerySet[Decision] = Decision.objects.select_related("team", "supersedes")
    status = 200
    query: dict[str, str] = {}
    searched = False
    if form.is_valid():
        data = form.cleaned_data
        if not data["withdrawn"]:
            found = found.filter(withdrawn_at=None)
        else:
            query["withdrawn"] = "on"
        if data["status"]:
            found = found.filter(status=data["status"])
            query["status"] = data["status"]
        text = data["q"].strip()
        if text:
            searched = True
            query["q"] = text
            ranked = search_decisions(text, within=found)
            order = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)), output_field=IntegerField())
            found = found.filter(pk__in=ranked).order_by(order) if ranked else found.none()
        else:
            found = found.order_by("-number")
    else:
        found = found.none()
        status = 400
    context = {
        "form": form,
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": urlencode(query),
        "searched": searched,
        "can_create": permissions.can_take_part(request.user),
    }
    return render_htmx(request, "consensus/decision_list.html", context, "results", status)


@login_required
@require_GET
def similar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The similar-past-decisions fragment for the text typed so far (title, question, context)."""
    require(permissions.can_view(request.user), "You cannot see the decision log.")
    exclude = request.GET.get("exclude", "")
    exclude_id = int(exclude) if exclude.isdigit() and len(exclude) < 19 else None
    results = similar_decisions(_similar_text(request.GET), exclude_id=exclude_id, limit=SIMILAR_SHOWN)
    return render(request, "consensus/similar_panel.html#results", {"similar_results": results})


def _prefill(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for param, field in PREFILL.items():
        value = request.GET.get(param, "")
        if value:
            initial[field] = value[: services.SECTION_MAX]
    for key in ("topic", "board", "session"):
        value = request.GET.get(key, "")
        if value.isdigit() and len(value) < 19:
            initial[key] = int(value)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers cannot write decisions down.")
    form = DecisionForm(posted(request), initial=_prefill(request), teams=_member_teams(request), with_links=True)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.create_decision(actor=Actor.of_request(request), **form.service_kwargs())
        except ValidationError as error:
            apply_service_errors(form, error, aliases={value: key for key, value in RENAMED.items()})
        else:
            messages.success(request, f"Decision {decision.number} is written down.")
            return redirect_after_form(request, reverse("consensus_decision_detail", args=[decision.number]))
    # Whatever is typed (or prefilled) already: the panel shows its matches without waiting for the browser.
    source = form.data if form.is_bound else {key: form.initial.get(key, "") for key in ("title", "context")}
    context = {
        "form": form,
        "decision": None,
        "similar_results": similar_decisions(_similar_text(source), limit=SIMILAR_SHOWN),
        "linked": _prefilled_links(form),
    }
    return render_htmx(request, "consensus/decision_form.html", context, "form", 400 if form.errors else 200)


def _prefilled_links(form: DecisionForm) -> list[Any]:
    found = []
    for key in form.link_fields:
        value = form.data.get(key) if form.is_bound else form.initial.get(key)
        if value:
            field = form.fields[key]
            try:
                found.append(field.clean(value))  # type: ignore[union-attr]
            except ValidationError:
                continue
    return found


def _decision(number: int) -> Decision:
    return get_object_or_404(Decision.objects.select_related("team", "supersedes", "created_by"), number=number)


@login_required
@require_GET
def decision_detail(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the decision log.")
    decision = _decision(number)
    earlier, later = services.supersede_chain(decision)
    sections = [
        (label, render_markdown(getattr(decision, field)))
        for field, label in (
            ("context_and_problem", "Context and problem"),
            ("decision_drivers", "What matters most"),
            ("considered_options", "Options we looked at"),
            ("decision_outcome", "What we decided, and why"),
            ("consequences", "Consequences"),
            ("confirmation", "How we will know it is followed"),
            ("more_information", "More information"),
        )
        if getattr(decision, field).strip()
    ]
    links = []
    for field, label, url_name in LINK_PAGES:
        if hasattr(decision, field):
            for item in getattr(decision, field).all()[:50]:
                try:
                    url = reverse(url_name, args=[item.pk])
                except NoReverseMatch:
                    url = ""
                links.append((label, item, url))
    context = {
        "decision": decision,
        "sections": sections,
        "earlier": earlier,
        "later": later,
        "links": links,
        "can_run": permissions.can_run_consensus(request.user, decision),
        "similar_results": similar_decisions(
            f"{decision.title}\n{decision.context_and_problem}", exclude_id=decision.pk, limit=SIMILAR_SHOWN
        ),
    }
    return render(request, "consensus/decision_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    decision = _decision(number)
    require(
        permissions.can_run_consensus(request.user, decision),
        "Only its author, its team or an administrator can change this decision.",
    )
    form = DecisionForm(
        posted(request), initial=DecisionForm.initial_for(decision), teams=_member_teams(request, decision.team)
    )
    if decision.status == DecisionStatus.SUPERSEDED:
        form.fields["status"].choices = [(DecisionStatus.SUPERSEDED.value, DecisionStatus.SUPERSEDED.label)]  # type: ignore[attr-defined]
        form.fields["status"].initial = DecisionStatus.SUPERSEDED
    if request.method == "POST" and form.is_valid():
        try:
            services.update_decision(actor=Actor.of_request(request), decision=decision, **form.service_kwargs())
        except ValidationError as error:
            apply_service_errors(form, error, aliases={value: key for key, value in RENAMED.items()})
        else:
            messages.success(request, "Saved.")
            return redirect_after_form(request, reverse("consensus_decision_detail", args=[decision.number]))
    source = form.data if form.is_bound else {"title": decision.title, "context": decision.context_and_problem}
    context = {
        "form": form,
        "decision": decision,
        "similar_results": similar_decisions(_similar_text(source), exclude_id=decision.pk, limit=SIMILAR_SHOWN),
        "linked": [],
    }
    return render_htmx(request, "consensus/decision_form.html", context, "form", 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def decision_supersede(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    decision = _decision(number)
    require(
        permissions.can_run_consensus(request.user, decision),
        "Only its author, its team or an administrator can change this decision.",
    )
    form = SupersedeForm(posted(request), decision=decision)
    if request.method == "POST" and form.is_valid():
        try:
            services.supersede_decision(actor=Actor.of_request(request), old=form.cleaned_data["old"], new=decision)
        except ValidationError as error:
            apply_service_errors(form, error, aliases={"supersedes": "old"})
        except PermissionDenied as error:
            form.add_error("old", str(error))
        else:
            old = form.cleaned_data["old"]
            messages.success(request, f"Decision {decision.number} now replaces decision {old.number}.")
            return redirect_after_form(request, reverse("consensus_decision_detail", args=[decision.number]))
    status = 400 if form.errors else 200
    return render_htmx(
        request, "consensus/decision_supersede.html", {"form": form, "decision": decision}, "form", status
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_withdraw(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    decision = _decision(number)
    require(
        permissions.can_run_consensus(request.user, decision),
        "Only its author, its team or an administrator can withdraw this decision.",
    )
    error = ""
    if request.method == "POST":
        try:
            services.withdraw_decision(actor=Actor.of_request(request), decision=decision)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, f"Decision {decision.number} is withdrawn. It stays in the log, marked as such.")
            return redirect_after_form(request, reverse("consensus_decision_detail", args=[decision.number]))
    context = {"decision": decision, "error": error}
    return render(request, "consensus/decision_withdraw.html", context, status=400 if error else 200)
