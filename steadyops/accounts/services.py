"""Domain operations on people, teams and API tokens. Pages, API and CLI all call these."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from steadyops.accounts import scopes as scope_names
from steadyops.accounts.models import (
    RESERVED_NAMES,
    TOKEN_PREFIX,
    ApiToken,
    Membership,
    Role,
    Team,
    User,
    hash_token,
    new_token_value,
)
from steadyops.core import audit, permissions, rows
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters
from steadyops.notify import services as notify

TEAM_FIELDS = ["slug", "name", "description", "is_operations", "archived_at"]
USER_FIELDS = ["username", "email", "display_name", "role", "is_active"]


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def create_team(*, actor: Actor, name: str, slug: str = "", description: str = "", is_operations: bool = True) -> Team:
    """Create a team. Administrators only."""
    _require(permissions.can_manage_teams(actor.user), "Only administrators can create teams.")
    name = name.strip()
    # A long name would give a slug over the field's 50 characters; cut it rather than refuse a valid name.
    slug = slug or slugify(name)[:50].strip("-")
    team = Team(name=name, slug=slug, description=description, is_operations=is_operations)
    team.full_clean()
    with transaction.atomic():
        team.save()
        audit.record(actor=actor, action="team.create", obj=team, after=audit.snapshot(team, TEAM_FIELDS))
    return team


def update_team(*, actor: Actor, team: Team, name: str, description: str, is_operations: bool) -> Team:
    """Change a team's name, description or kind."""
    _require(permissions.can_edit_team(actor.user, team), "You cannot change this team.")
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = audit.snapshot(team, TEAM_FIELDS)
        team.name = name.strip()
        team.description = description
        team.is_operations = is_operations
        team.full_clean()
        team.save()
        audit.record(
            actor=actor, action="team.update", obj=team, before=before, after=audit.snapshot(team, TEAM_FIELDS)
        )
    return team


def archive_team(*, actor: Actor, team: Team) -> Team:
    """Archive a team: it keeps its history but no longer appears in lists."""
    _require(permissions.can_manage_teams(actor.user), "Only administrators can archive teams.")
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        if team.archived_at is not None:
            return team
        before = audit.snapshot(team, TEAM_FIELDS)
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at"])
        audit.record(
            actor=actor, action="team.archive", obj=team, before=before, after=audit.snapshot(team, TEAM_FIELDS)
        )
    return team


def add_member(*, actor: Actor, team: Team, user: User) -> Membership:
    """Add a person to a team and tell them."""
    _require(permissions.can_edit_team(actor.user, team), "You cannot change who is in this team.")
    if not user.is_active:
        raise ValidationError(f"{user.username} is deactivated and cannot join a team.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(team=team, user=user)
        if created:
            audit.record(
                actor=actor, action="team.member_add", obj=team, after={"user": user.username, "team": team.slug}
            )
            notify.notify_user(
                user=user,
                event="team.member_added",
                subject=f"You joined the team {team.name}",
                body=f"{actor.label} added you to the team {team.name} in steadyops.",
                payload={"team": team.slug, "added_by": actor.label},
            )
    return membership


def remove_member(*, actor: Actor, team: Team, user: User) -> None:
    """Take a person out of a team."""
    _require(permissions.can_edit_team(actor.user, team), "You cannot change who is in this team.")
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(team=team, user=user).delete()
        if deleted:
            audit.record(
                actor=actor, action="team.member_remove", obj=team, before={"user": user.username, "team": team.slug}
            )


def invite_user(
    *,
    actor: Actor,
    username: str,
    email: str,
    display_name: str = "",
    role: str = Role.VIEWER,
    teams: list[Team] | None = None,
) -> User:
    """Create an account with no usable password; the person sets one through the emailed link."""
    _require(permissions.can_manage_people(actor.user), "Only administrators can add people.")
    user = User(username=username.strip(), email=email.strip().lower(), display_name=display_name.strip(), role=role)
    user.set_unusable_password()
    if user.username.lower() in RESERVED_NAMES:
        raise ValidationError({"username": f"“{user.username}” is kept for the page that adds people; choose another."})
    user.full_clean()
    if User.objects.filter(email__iexact=user.email).exists():
        raise ValidationError({"email": "Someone already uses this email address."})
    with transaction.atomic():
        user.save()
        audit.record(actor=actor, action="user.invite", obj=user, after=audit.snapshot(user, USER_FIELDS))
        for team in teams or []:
            Membership.objects.create(team=team, user=user)
            audit.record(
                actor=actor, action="team.member_add", obj=team, after={"user": user.username, "team": team.slug}
            )
        notify.send_invitation(user=user, invited_by=actor.label)
    return user


def update_user(*, actor: Actor, user: User, email: str, display_name: str, role: str, is_active: bool) -> User:
    """Change a person's details, role or whether they may sign in."""
    _require(permissions.can_manage_people(actor.user), "Only administrators can change people.")
    if actor.user is not None and actor.user.pk == user.pk and (role != Role.ADMIN or not is_active):
        raise ValidationError("You cannot remove your own administrator role or deactivate yourself.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = audit.snapshot(user, USER_FIELDS)
        user.email = email.strip().lower()
        user.display_name = display_name.strip()
        user.role = role
        user.is_active = is_active
        user.full_clean()
        if User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": "Someone already uses this email address."})
        user.save()
        if not is_active:
            ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        audit.record(
            actor=actor, action="user.update", obj=user, before=before, after=audit.snapshot(user, USER_FIELDS)
        )
    return user


def create_token(*, actor: Actor, user: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Make an API token for a person. Returns the token and its secret value, which is shown once and never kept."""
    acting = actor.user
    _require(
        acting is not None and (acting.pk == user.pk or permissions.is_admin(acting)),
        "You can only make tokens for yourself.",
    )
    _require(
        permissions.can_make_token_through(actor.token),
        "An API token can make other tokens only if it has the scope 'all'; sign in to make one.",
    )
    unknown = sorted(set(scopes) - set(scope_names.SCOPES))
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope: {', '.join(unknown)}. Known scopes: {', '.join(scope_names.SCOPES)}."}
        )
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    if permissions.allowed_scopes(user, scopes) != list(scopes):
        raise ValidationError({"scopes": "Only administrators may hold a token with the scope 'all'."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, such as the pipeline that uses it."})
    if has_control_characters(name):
        raise ValidationError({"name": "The name contains control characters; use plain text."})
    if len(name) > 100:
        raise ValidationError({"name": "The name is longer than 100 characters."})
    raw = new_token_value()
    token = ApiToken(user=user, name=name, token_hash=hash_token(raw), hint=raw[:10], scopes=sorted(set(scopes)))
    with transaction.atomic():
        token.save()
        audit.record(
            actor=actor,
            action="token.create",
            obj=token,
            after={"name": name, "user": user.username, "scopes": token.scopes},
        )
    return token, raw


def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Stop a token from working. Its owner or an administrator may do it."""
    acting = actor.user
    _require(
        acting is not None and (acting.pk == token.user_id or permissions.is_admin(acting)),
        "You can only revoke your own tokens.",
    )
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor=actor, action="token.revoke", obj=token, after={"name": token.name, "user": token.user.username}
            )
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token with this secret value, or None. Records when it was last used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    # Plain statements (core.rows): this runs on every API request, where the ORM's query building cost more
    # than both reads.
    token = rows.by_unique(ApiToken, "token_hash", hash_token(raw))
    if token is None or token.revoked_at is not None:
        return None
    user = rows.by_pk(User, token.user_id)
    if user is None or not user.is_active:
        return None
    token.user = user
    now = timezone.now()
    stale = now - timedelta(seconds=60)
    if token.last_used_at is None or token.last_used_at < stale:
        # Conditional, so of many requests arriving together with one token only the first writes; the rest
        # (and every request within the minute) read and go on without queueing for the database's writer.
        ApiToken.objects.filter(Q(last_used_at=None) | Q(last_used_at__lt=stale), pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
