"""The 0-5 topic pages: the list, raising a topic, the topic with its vote, rounds, results and outcome."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors
from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Topic, TopicStatus
from steadyops.consensus.topic_forms import (
    CloseForm,
    NextRoundForm,
    TopicFilterForm,
    TopicForm,
    VoteForm,
    prefill,
)
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

PAGE_SIZE = 20


def _topic(pk: int) -> Topic:
    return get_object_or_404(Topic.objects.select_related("created_by", "team", "closed_by"), pk=pk)


def _detail_url(topic: Topic) -> str:
    return reverse("consensus_topic_detail", args=[topic.pk])


@login_required
def topic_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see topics.")
    form = TopicFilterForm(request.GET)
    valid = form.is_valid()
    show = (form.cleaned_data["show"] or "open") if valid else "open"
    found: QuerySet[Topic] = Topic.objects.select_related("created_by", "team").annotate(
        round_count=Count("rounds", distinct=True)
    )
    if show == "open":
        found = found.filter(status=TopicStatus.OPEN)
    elif show == "closed":
        found = found.filter(status=TopicStatus.CLOSED)
    elif show == "mine":
        found = found.filter(created_by=request.user).exclude(status=TopicStatus.ARCHIVED)
    else:
        found = found.exclude(status=TopicStatus.ARCHIVED)
    # Open topics first, then the most recent.
    found = services.open_first(found)
    context = {
        "form": form,
        "show": show,
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": f"show={show}",
        "can_create": permissions.can_take_part(request.user),
        "filters": [("open", "Open"), ("closed", "Closed"), ("mine", "Raised by me"), ("all", "All")],
    }
    return render_htmx(request, "consensus/topic_list.html", context, "results", 200 if valid else 400)


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "question": data["question"],
        "context": data["context"],
        "team": data["team"],
        "invited_people": list(data["invited_people"]),
        "invited_teams": list(data["invited_teams"]),
        "deadline": data["deadline"],
        "rule": data["rule"],
        "quorum": data["quorum"],
        "anonymous": data["anonymous"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers can look at topics but not raise them.")
    form = TopicForm(posted(request), user=request.user, initial=prefill(request.GET))
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.open_topic(
                actor=Actor.of_request(request),
                from_board_id=form.cleaned_data.get("board"),
                **_form_values(form.cleaned_data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Your topic is open for votes.")
            return redirect_after_form(request, _detail_url(topic))
    status = 400 if form.errors else 200
    return render_htmx(request, "consensus/topic_form.html", {"form": form, "topic": None}, "form", status)


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = _topic(pk)
    require(permissions.can_run_consensus(request.user, topic), "Only the person who raised this topic can change it.")
    initial = {
        "question": topic.question,
        "context": topic.context,
        "team": topic.team,
        "invited_people": list(topic.invited_people.all()),
        "invited_teams": list(topic.invited_teams.all()),
        "deadline": topic.deadline,
        "rule": topic.rule,
        "quorum": topic.quorum,
        "anonymous": topic.anonymous,
    }
    form = TopicForm(posted(request), user=request.user, topic=topic, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_topic(actor=Actor.of_request(request), topic=topic, **_form_values(form.cleaned_data))
        except services.TopicConflict as error:
            form.add_error(None, error.messages)
            status = 409
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The topic is changed.")
            return redirect_after_form(request, _detail_url(topic))
    if form.errors and status == 200:
        status = 400
    return render_htmx(request, "consensus/topic_form.html", {"form": form, "topic": topic}, "form", status)


def _detail(
    request: AuthenticatedHttpRequest,
    topic: Topic,
    *,
    vote_form: VoteForm | None = None,
    round_form: NextRoundForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    rounds = list(topic.rounds.annotate(voted=Count("ballots")).order_by("-number"))
    current = rounds[0]
    voted = services.has_voted(user, current)
    is_open = topic.status == TopicStatus.OPEN
    show_results = services.may_see_results(user, topic, current)
    invited = services.invited_count(topic)
    results = [services.round_result(topic, round_, invited=invited) for round_ in rounds] if show_results else []
    can_run = permissions.can_run_consensus(user, topic)
    context = {
        "topic": topic,
        "rounds": rounds,
        "current": current,
        "voted": voted,
        "may_vote": is_open and not voted and services.may_vote(user, topic),
        "invited_to_vote": services.may_vote(user, topic),
        "show_results": show_results,
        "results": results,
        "invited": invited,
        "context_html": services.render_markdown(topic.context) if topic.context else "",
        "can_run": can_run and is_open,
        "can_archive": can_run and topic.status != TopicStatus.ARCHIVED,
        "can_edit": can_run and is_open and not any(round_.voted for round_ in rounds),
        "vote_form": vote_form or VoteForm(),
        "round_form": round_form or NextRoundForm(),
        "close_form": close_form or CloseForm(),
        "people_invited": list(topic.invited_people.order_by("username")[:50]),
        "teams_invited": list(topic.invited_teams.order_by("name")),
    }
    return render(request, "consensus/topic_detail.html", context, status=status)


@login_required
def topic_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see topics.")
    return _detail(request, _topic(pk))


def _refusal_status(error: ValidationError) -> int:
    return 409 if isinstance(error, services.TopicConflict) else 400


@login_required
@require_POST
def topic_vote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = _topic(pk)
    require(permissions.can_take_part(request.user), "Viewers can look at topics but not vote.")
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            services.cast_vote(
                actor=Actor.of_request(request),
                topic=topic,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return _detail(request, topic, vote_form=form, status=_refusal_status(error))
        messages.success(request, "Your vote is counted. Here is how everyone voted so far.")
        return redirect_after_form(request, _detail_url(topic) + "#results")
    return _detail(request, topic, vote_form=form, status=400)


@login_required
@require_POST
def topic_next_round(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = _topic(pk)
    require(permissions.can_run_consensus(request.user, topic), "Only the person who raised this topic can do this.")
    form = NextRoundForm(request.POST)
    if form.is_valid():
        try:
            round_ = services.next_round(actor=Actor.of_request(request), topic=topic, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
            return _detail(request, topic, round_form=form, status=_refusal_status(error))
        messages.success(request, f"Round {round_.number} is open. Everyone invited can vote again.")
        return redirect_after_form(request, _detail_url(topic))
    return _detail(request, topic, round_form=form, status=400)


@login_required
@require_POST
def topic_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = _topic(pk)
    require(permissions.can_run_consensus(request.user, topic), "Only the person who raised this topic can do this.")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_topic(actor=Actor.of_request(request), topic=topic, outcome=form.cleaned_data["outcome"])
        except ValidationError as error:
            apply_service_errors(form, error)
            return _detail(request, topic, close_form=form, status=_refusal_status(error))
        messages.success(request, "The topic is closed and its outcome written down.")
        return redirect_after_form(request, _detail_url(topic))
    return _detail(request, topic, close_form=form, status=400)


@login_required
@require_POST
def topic_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    topic = _topic(pk)
    require(permissions.can_run_consensus(request.user, topic), "Only the person who raised this topic can do this.")
    services.archive_topic(actor=Actor.of_request(request), topic=topic)
    messages.success(request, "The topic is archived. It keeps its votes and outcome.")
    return redirect_after_form(request, reverse("consensus_topic_list"))
