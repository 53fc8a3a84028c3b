"""The API for people, teams and one's own API tokens. Thin: every change goes through accounts.services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StringConstraints

from steadyops.accounts import scopes, services
from steadyops.accounts.models import ApiToken, Membership, Team, User
from steadyops.api.errors import ApiError, field_error
from steadyops.api.pagination import Page, PageParams, paginate
from steadyops.api.schemas import NO_NUL, InputSchema, Slug, Username
from steadyops.core.actor import Actor

router = Router(tags=["people and teams"])

TeamName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
TokenName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
# Built when the module loads, after every module has added its scopes to accounts.scopes.
ScopeName = Literal[tuple(scopes.SCOPES)]  # type: ignore[valid-type]
SearchText = Annotated[str, StringConstraints(max_length=100, pattern=NO_NUL)]
# The largest primary key both databases hold; a bigger number could never name a token.
MAX_ID = 2**63 - 1


# --- Schemas ------------------------------------------------------------------


class TeamRef(Schema):
    slug: str
    name: str


class TeamOut(Schema):
    slug: str
    name: str
    description: str
    is_operations: bool = Field(description="Operations teams own services; business teams do not.")
    archived: bool
    archived_at: datetime | None
    created_at: datetime
    member_count: int

    @staticmethod
    def resolve_archived(team: Team) -> bool:
        return team.archived_at is not None

    @staticmethod
    def resolve_member_count(team: Team) -> int:
        annotated = getattr(team, "member_count", None)
        return annotated if annotated is not None else team.memberships.count()


class TeamIn(InputSchema):
    name: TeamName
    slug: Slug | None = Field(None, description="Made from the name when left out.")
    description: Description = ""
    is_operations: StrictBool = True


class TeamPatch(InputSchema):
    """Only the fields sent are changed; null leaves a field as it is."""

    name: TeamName | None = None
    description: Description | None = None
    is_operations: StrictBool | None = None


class TeamFilters(Schema):
    archived: bool = Field(False, description="true lists archived teams instead of current ones.")


class MemberIn(InputSchema):
    username: Username


class MemberOut(Schema):
    username: str
    display_name: str
    role: str
    joined_at: datetime

    @staticmethod
    def resolve_username(membership: Membership) -> str:
        return membership.user.username

    @staticmethod
    def resolve_display_name(membership: Membership) -> str:
        return membership.user.display_name

    @staticmethod
    def resolve_role(membership: Membership) -> str:
        return membership.user.role


class UserOut(Schema):
    username: str
    display_name: str
    email: str
    role: str
    is_active: bool
    teams: list[TeamRef] = Field(description="Current (not archived) teams.")

    @staticmethod
    def resolve_teams(user: User) -> list[Team]:
        return list(user.teams.all())


class UserFilters(Schema):
    q: SearchText = Field("", description="Part of a username, name or email address.")
    team: Slug | None = Field(None, description="Only members of the team with this slug.")


class TokenInfo(Schema):
    name: str
    scopes: list[str]


class MeOut(Schema):
    username: str
    display_name: str
    email: str
    role: str
    teams: list[TeamRef]
    token: TokenInfo | None = Field(description="The API token this request came with, or null for a browser.")


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The first characters of the secret, to tell tokens apart.")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @staticmethod
    def resolve_active(token: ApiToken) -> bool:
        return token.revoked_at is None


class TokenCreated(TokenOut):
    secret: str = Field(description="The token itself. It is shown this once and never again: keep it now.")


class TokenIn(InputSchema):
    name: TokenName
    scopes: list[ScopeName] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=len(scopes.SCOPES),
        description="; ".join(f"{k}: {v}" for k, v in scopes.SCOPES.items()),
    )


# --- Helpers ------------------------------------------------------------------


def _team(slug: str) -> Team:
    return get_object_or_404(Team, slug=slug)


def _me(request: HttpRequest) -> User:
    # The API's authentication admits only signed-in, active people.
    return cast(User, request.user)


def _actor(request: HttpRequest) -> Actor:
    return Actor.of_request(request)


def _teams_of(user: User) -> QuerySet[Team]:
    return user.teams.filter(archived_at=None).order_by("name")


# --- Me -----------------------------------------------------------------------


@router.get("/me", response=MeOut, url_name="me")
def me(request: HttpRequest) -> dict[str, Any]:
    """The person calling, and the token they called with."""
    user = _me(request)
    token: ApiToken | None = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "teams": list(_teams_of(user)),
        "token": {"name": token.name, "scopes": token.scopes} if token is not None else None,
    }


@router.get("/me/tokens", response=Page[TokenOut], url_name="token_list")
def list_tokens(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Your API tokens, newest first, revoked ones included."""
    return paginate(ApiToken.objects.filter(user=_me(request)).order_by("-created_at", "-id"), paging)


@router.post("/me/tokens", response={201: TokenCreated}, url_name="token_list")
def create_token(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status:
    """Make an API token for yourself. The answer holds the secret; it is not shown again."""
    token, secret = services.create_token(
        actor=_actor(request),
        user=_me(request),
        name=payload.name,
        scopes=payload.scopes,
    )
    response["Cache-Control"] = "no-store"
    token.secret = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut, url_name="token_revoke")
def revoke_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> ApiToken:
    """Stop one of your tokens from working. Revoking a revoked token changes nothing."""
    token = get_object_or_404(ApiToken, pk=token_id, user=_me(request))
    return services.revoke_token(actor=_actor(request), token=token)


# --- Teams --------------------------------------------------------------------


@router.get("/teams", response=Page[TeamOut], url_name="team_list")
def list_teams(request: HttpRequest, filters: Query[TeamFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Teams by name: current ones, or archived ones with ?archived=true."""
    teams = Team.objects.filter(archived_at__isnull=not filters.archived)
    return paginate(teams.annotate(member_count=Count("memberships")).order_by("name", "pk"), paging)


@router.post("/teams", response={201: TeamOut}, url_name="team_list")
def create_team(request: HttpRequest, payload: TeamIn) -> Status:
    """Make a team. Administrators only."""
    team = services.create_team(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug or "",
        description=payload.description,
        is_operations=payload.is_operations,
    )
    return Status(201, team)


@router.get("/teams/{slug}", response=TeamOut, url_name="team_detail")
def get_team(request: HttpRequest, slug: Slug) -> Team:
    """One team, archived or not."""
    return _team(slug)


@router.patch("/teams/{slug}", response=TeamOut, url_name="team_detail")
def update_team(request: HttpRequest, slug: Slug, payload: TeamPatch) -> Team:
    """Change a team's name, description or kind: administrators, and operators in the team."""
    team = _team(slug)
    return services.update_team(
        actor=_actor(request),
        team=team,
        name=team.name if payload.name is None else payload.name,
        description=team.description if payload.description is None else payload.description,
        is_operations=team.is_operations if payload.is_operations is None else payload.is_operations,
    )


@router.post("/teams/{slug}/archive", response=TeamOut, url_name="team_archive")
def archive_team(request: HttpRequest, slug: Slug) -> Team:
    """Archive a team: it keeps its history and leaves the lists. Administrators only."""
    return services.archive_team(actor=_actor(request), team=_team(slug))


@router.get("/teams/{slug}/members", response=Page[MemberOut], url_name="team_members")
def list_members(request: HttpRequest, slug: Slug, paging: Query[PageParams]) -> dict[str, Any]:
    """The people in a team, by username."""
    team = _team(slug)
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__username", "pk")
    return paginate(members, paging)


@router.post("/teams/{slug}/members", response={201: MemberOut}, url_name="team_members")
def add_member(request: HttpRequest, slug: Slug, payload: MemberIn) -> Status:
    """Add a person to a team. Adding someone already in it changes nothing."""
    team = _team(slug)
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        message = f"No one has the username {payload.username}."
        raise ApiError(422, message, details=[field_error("username", message, "body")])
    return Status(201, services.add_member(actor=_actor(request), team=team, user=user))


@router.delete("/teams/{slug}/members/{username}", response={204: None}, url_name="team_member")
def remove_member(request: HttpRequest, slug: Slug, username: Username) -> Status:
    """Take a person out of a team. Taking out someone not in it changes nothing."""
    team = _team(slug)
    user = get_object_or_404(User, username=username)
    services.remove_member(actor=_actor(request), team=team, user=user)
    return Status(204, None)


# --- People -------------------------------------------------------------------


def _people() -> QuerySet[User]:
    current_teams = Team.objects.filter(archived_at=None).order_by("name")
    return User.objects.prefetch_related(Prefetch("teams", queryset=current_teams))


@router.get("/users", response=Page[UserOut], url_name="user_list")
def list_users(request: HttpRequest, filters: Query[UserFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Everyone, by username; ?q= searches names and email addresses, ?team= keeps a team's members."""
    people = _people()
    q = filters.q.strip()
    if q:
        people = people.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if filters.team:
        people = people.filter(memberships__team__slug=filters.team)
    return paginate(people.order_by("username", "pk"), paging)


@router.get("/users/{username}", response=UserOut, url_name="user_detail")
def get_user(request: HttpRequest, username: Username) -> User:
    """One person."""
    return get_object_or_404(_people(), username=username)
