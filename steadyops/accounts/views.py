from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts import services
from steadyops.accounts.forms import (
    MemberAddForm,
    PeopleSearchForm,
    PersonEditForm,
    PersonInviteForm,
    TeamForm,
    TokenCreateForm,
    apply_service_errors,
)
from steadyops.accounts.models import ApiToken, Membership, Team, User
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
SLUG_TAKEN = "A team with this name, or one written almost the same way, already exists."


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _done(request: HtmxHttpRequest, to: str, **kwargs: str) -> HttpResponse:
    """After a successful form: go to the next page, telling htmx to load it whole rather than swap it in."""
    return redirect_after_form(request, reverse(to, kwargs=kwargs or None))


# --- Tokens -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = TokenCreateForm(posted(request), user=user)
    new_secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_secret = services.create_token(
                    actor=Actor.of_request(request),
                    user=user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                )
                form = TokenCreateForm(user=user)
            except ValidationError as error:
                apply_service_errors(form, error)
        if form.errors:
            status = 400
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    context = {"form": form, "tokens": tokens, "new_secret": new_secret}
    return render_htmx(request, "accounts/token_list.html", context, "tokens", status)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if token.user_id != request.user.pk and not permissions.is_admin(request.user):
        raise Http404("No such token.")
    services.revoke_token(actor=Actor.of_request(request), token=token)
    messages.success(request, f"The token “{token.name}” no longer works.")
    if token.user_id == request.user.pk:
        return redirect("token_list")
    return redirect("person_detail", username=token.user.username)


# --- Teams ------------------------------------------------------------------


@login_required
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see teams.")
    show_archived = request.GET.get("archived") == "1"
    teams = Team.objects.annotate(member_count=Count("memberships")).order_by("name")
    if not show_archived:
        teams = teams.filter(archived_at=None)
    context = {
        "page": _page(request, teams),
        "show_archived": show_archived,
        "query": "archived=1" if show_archived else "",
        "can_create": permissions.can_manage_teams(request.user),
    }
    return render(request, "accounts/team_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_teams(request.user), "Only administrators can create teams.")
    form = TeamForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            _team_errors(form, error)
        else:
            messages.success(request, f"The team {team.name} is ready. Add its members below.")
            return _done(request, "team_detail", slug=team.slug)
    status = 400 if form.errors else 200
    return render_htmx(request, "accounts/team_form.html", {"form": form, "team": None}, "form", status)


def _team_errors(form: TeamForm, error: ValidationError) -> None:
    # The slug is made from the name, so a taken slug means the name is (almost) taken: say it once, in plain words.
    if hasattr(error, "error_dict"):
        taken = any(e.code == "unique" for field in ("name", "slug") for e in error.error_dict.get(field, []))
        if taken:
            form.add_error("name", SLUG_TAKEN)
        rest = {
            field: [e for e in errors if not (taken and e.code == "unique")]
            for field, errors in error.error_dict.items()
            if field != "slug"
        }
        rest = {field: errors for field, errors in rest.items() if errors}
        if not rest:
            return
        error = ValidationError(rest)
    apply_service_errors(form, error)


def _team_detail_context(request: HttpRequest, team: Team, add_form: MemberAddForm | None = None) -> dict[str, Any]:
    can_edit = permissions.can_edit_team(request.user, team)
    members = team.memberships.select_related("user").order_by("user__username")
    return {
        "team": team,
        "memberships": members,
        "can_edit": can_edit,
        "can_archive": permissions.can_manage_teams(request.user) and team.archived_at is None,
        "add_form": add_form or (MemberAddForm(team=team) if can_edit else None),
    }


@login_required
def team_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see teams.")
    team = get_object_or_404(Team, slug=slug)
    return render(request, "accounts/team_detail.html", _team_detail_context(request, team))


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    require(permissions.can_edit_team(request.user, team), "You cannot change this team.")
    initial = {"name": team.name, "description": team.description, "is_operations": team.is_operations}
    form = TeamForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(actor=Actor.of_request(request), team=team, **form.cleaned_data)
        except ValidationError as error:
            _team_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return _done(request, "team_detail", slug=team.slug)
    status = 400 if form.errors else 200
    return render_htmx(request, "accounts/team_form.html", {"form": form, "team": team}, "form", status)


@login_required
@require_POST
def team_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    services.archive_team(actor=Actor.of_request(request), team=team)
    messages.success(request, f"The team {team.name} is archived. Its history is kept.")
    return redirect("team_list")


def _members_response(
    request: HtmxHttpRequest, team: Team, add_form: MemberAddForm | None, status: int
) -> HttpResponse:
    context = _team_detail_context(request, team, add_form)
    return render_htmx(request, "accounts/team_detail.html", context, "members", status)


@login_required
@require_POST
def team_member_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    require(permissions.can_edit_team(request.user, team), "You cannot change who is in this team.")
    form = MemberAddForm(request.POST, team=team)
    if form.is_valid():
        person = form.cleaned_data["user"]
        try:
            services.add_member(actor=Actor.of_request(request), team=team, user=person)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{person} is now in {team.name}.")
            if request.htmx:
                return _members_response(request, team, None, 200)
            return redirect("team_detail", slug=team.slug)
    return _members_response(request, team, form, 400)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedHttpRequest, slug: str, username: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    person = get_object_or_404(User, username=username)
    services.remove_member(actor=Actor.of_request(request), team=team, user=person)
    messages.success(request, f"{person} is no longer in {team.name}.")
    if request.htmx:
        return _members_response(request, team, None, 200)
    return redirect("team_detail", slug=team.slug)


# --- People -----------------------------------------------------------------


@login_required
def people_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the directory.")
    form = PeopleSearchForm(request.GET)
    people = User.objects.order_by("username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(team__archived_at=None).select_related("team"))
    )
    status = 200
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            people = people.filter(
                Q(username__icontains=query)
                | Q(display_name__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
    else:
        people = people.none()
        status = 400
    context = {
        "form": form,
        "page": _page(request, people),
        "query": urlencode({"q": query}) if query else "",
        "can_invite": permissions.can_manage_people(request.user),
    }
    return render_htmx(request, "accounts/people_list.html", context, "results", status)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_manage_people(request.user), "Only administrators can add people.")
    form = PersonInviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.invite_user(actor=Actor.of_request(request), **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"We emailed {person.email} a link to choose a password.")
            return _done(request, "person_detail", username=person.username)
    status = 400 if form.errors else 200
    return render_htmx(request, "accounts/person_form.html", {"form": form, "person": None}, "form", status)


@login_required
def person_detail(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    require(permissions.can_view(request.user), "You cannot see the directory.")
    person = get_object_or_404(User, username=username)
    is_admin = permissions.is_admin(request.user)
    context = {
        "person": person,
        "memberships": person.memberships.filter(team__archived_at=None).select_related("team"),
        "can_edit": permissions.can_manage_people(request.user),
        "show_private": is_admin or person.pk == request.user.pk,
        "tokens": person.api_tokens.order_by("-created_at") if is_admin else None,
    }
    return render(request, "accounts/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    require(permissions.can_manage_people(request.user), "Only administrators can change people.")
    person = get_object_or_404(User, username=username)
    initial = {
        "email": person.email,
        "display_name": person.display_name,
        "role": person.role,
        "is_active": person.is_active,
    }
    form = PersonEditForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=Actor.of_request(request), user=person, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return _done(request, "person_detail", username=person.username)
    status = 400 if form.errors else 200
    return render_htmx(request, "accounts/person_form.html", {"form": form, "person": person}, "form", status)
