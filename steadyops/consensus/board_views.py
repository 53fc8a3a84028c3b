"""Idea-board pages: the list, opening a board, and the board page for each stage (with htmx for adding ideas
and voting, and plain form posts when JavaScript is off)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors, saved
from steadyops.consensus import board_services as services
from steadyops.consensus.board_forms import BoardForm, IdeaForm, MergeForm, ShortlistForm
from steadyops.consensus.models.boards import BoardStage, Idea, IdeaBoard
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require

PAGE_SIZE = 25
TEMPLATE = "consensus/board_detail.html"


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def _board(pk: int) -> IdeaBoard:
    return get_object_or_404(IdeaBoard.objects.select_related("team", "created_by"), pk=pk)


def _render_board(
    request: AuthenticatedHttpRequest,
    board: IdeaBoard,
    *,
    status: int = 200,
    partial: str = "",
    error: str = "",
    idea_form: IdeaForm | None = None,
    merge_form: MergeForm | None = None,
    shortlist_form: ShortlistForm | None = None,
) -> HttpResponse:
    """The board page, or one of its parts when htmx asks for it."""
    view = services.board_view(board, request.user)
    context: dict[str, Any] = {
        "board": board,
        "view": view,
        "winners": services.WINNERS,
        "error": error,
        "idea_form": idea_form or IdeaForm(allow_anonymous=board.allow_anonymous_ideas),
        "merge_form": merge_form or MergeForm(ideas=view.ideas),
        "shortlist_form": shortlist_form or ShortlistForm(ideas=view.ideas),
    }
    if partial and request.htmx:
        return render_htmx(request, TEMPLATE, context, partial, status)
    return render(request, TEMPLATE, context, status=status)


@login_required
def board_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the idea boards.")
    context = {
        "page": Paginator(services.listed_boards(), PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": permissions.can_take_part(request.user),
    }
    return render(request, "consensus/board_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def board_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_take_part(request.user), "Viewers look at idea boards but do not open them.")
    form = BoardForm(posted(request), user=request.user)
    if request.method == "POST":
        actor = Actor.of_request(request)
        board = saved(form, lambda _: services.create_board(actor=actor, **form.service_arguments()))
        if board is not None:
            messages.success(request, "The board is open. Share its address so people can add their ideas.")
            return redirect_after_form(request, reverse("consensus_board_detail", args=[board.pk]))
    status = 400 if form.errors else 200
    return render_htmx(request, "consensus/board_form.html", {"form": form}, "form", status)


@login_required
def board_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the idea boards.")
    return _render_board(request, _board(pk))


@login_required
@require_POST
def idea_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = _board(pk)
    require(permissions.can_take_part(request.user), "Viewers read the ideas but do not add any.")
    form = IdeaForm(request.POST, allow_anonymous=board.allow_anonymous_ideas)
    refusal = ""
    if form.is_valid():
        try:
            services.add_idea(
                actor=Actor.of_request(request),
                board=board,
                text=form.cleaned_data["text"],
                anonymous=form.cleaned_data.get("anonymous", False),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            # Once the board stops gathering, the idea box is gone from the page: the reason is shown above.
            refusal = _messages_of(error)
        else:
            if request.htmx:
                return _render_board(request, board, partial="ideas")
            messages.success(request, "Your idea is on the board.")
            return redirect("consensus_board_detail", pk=board.pk)
    return _render_board(request, board, status=400, partial="ideas", idea_form=form, error=refusal)


@login_required
@require_POST
def vote(request: AuthenticatedHttpRequest, pk: int, idea_pk: int) -> HttpResponse:
    """Vote for an idea (vote=yes) or take the vote back (vote=no): a refusal is a 422 with the reason."""
    board = _board(pk)
    require(permissions.can_take_part(request.user), "Viewers see the board but do not vote.")
    idea = get_object_or_404(Idea, pk=idea_pk, board=board)
    wanted = request.POST.get("vote", "")
    if wanted not in ("yes", "no"):
        return _render_board(request, board, status=400, partial="ballot", error="Choose to vote or to take it back.")
    try:
        if wanted == "yes":
            services.vote(actor=Actor.of_request(request), board=board, idea=idea)
        else:
            services.withdraw_vote(actor=Actor.of_request(request), board=board, idea=idea)
    except ValidationError as error:
        return _render_board(request, board, status=422, partial="ballot", error=_messages_of(error))
    if request.htmx:
        return _render_board(request, board, partial="ballot")
    return redirect(reverse("consensus_board_detail", args=[board.pk]) + "#ballot")


@login_required
@require_POST
def shortlist(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = _board(pk)
    require(
        permissions.can_run_consensus(request.user, board),
        "Only the person who opened this board, its team and administrators pick the shortlist.",
    )
    view = services.board_view(board, request.user)
    form = ShortlistForm(request.POST, ideas=view.ideas)
    if form.is_valid():
        try:
            services.set_shortlist(actor=Actor.of_request(request), board=board, idea_ids=form.idea_ids())
        except ValidationError as error:
            return _render_board(request, board, status=422, error=_messages_of(error), shortlist_form=form)
        count = len(form.idea_ids())
        messages.success(
            request,
            f"{count} idea{'s are' if count != 1 else ' is'} on the shortlist."
            if count
            else "Nothing is shortlisted: every idea will be on the ballot.",
        )
        return redirect("consensus_board_detail", pk=board.pk)
    return _render_board(request, board, status=400, shortlist_form=form)


@login_required
@require_POST
def merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = _board(pk)
    require(
        permissions.can_run_consensus(request.user, board),
        "Only the person who opened this board, its team and administrators merge ideas.",
    )
    view = services.board_view(board, request.user)
    form = MergeForm(request.POST, ideas=view.ideas)
    if form.is_valid():
        source = get_object_or_404(Idea, pk=int(form.cleaned_data["source"]))
        target = get_object_or_404(Idea, pk=int(form.cleaned_data["target"]))
        try:
            services.merge_ideas(actor=Actor.of_request(request), board=board, source=source, target=target)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Merged. The duplicate is shown under the idea it was merged into.")
            return redirect("consensus_board_detail", pk=board.pk)
    return _render_board(request, board, status=400, merge_form=form)


STAGE_MESSAGES = {
    BoardStage.GATHERING: "The board takes ideas again.",
    BoardStage.SHORTLISTING: "No more ideas are taken. Tick the ones people will vote on.",
    BoardStage.VOTING: "Voting is open.",
    BoardStage.CLOSED: "Voting is closed. The results are final.",
}


@login_required
@require_POST
def stage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = _board(pk)
    require(
        permissions.can_run_consensus(request.user, board),
        "Only the person who opened this board, its team and administrators move it on.",
    )
    wanted = request.POST.get("stage", "")
    try:
        services.move_board(actor=Actor.of_request(request), board=board, stage=wanted)
    except ValidationError as error:
        return _render_board(request, board, status=422, error=_messages_of(error))
    messages.success(request, STAGE_MESSAGES[BoardStage(wanted)])
    return redirect("consensus_board_detail", pk=board.pk)


@login_required
@require_POST
def archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = _board(pk)
    require(
        permissions.can_run_consensus(request.user, board),
        "Only the person who opened this board, its team and administrators archive it.",
    )
    services.archive_board(actor=Actor.of_request(request), board=board)
    messages.success(request, f"The board “{board.title}” is archived. Nothing on it was deleted.")
    return redirect("consensus_board_list")
