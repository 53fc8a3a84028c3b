"""Who may do what. Every page, API endpoint and CLI command asks here; no rule is written anywhere else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from steadyops.accounts.models import Role
from steadyops.accounts.scopes import ADMIN_ONLY_SCOPES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from steadyops.accounts.models import ApiToken, Team, User

    AnyUser = User | AnonymousUser | None


def _active(user: AnyUser) -> bool:
    return user is not None and bool(user.is_authenticated and user.is_active)


def is_admin(user: AnyUser) -> bool:
    return _active(user) and getattr(user, "role", None) == Role.ADMIN


def is_operator(user: AnyUser) -> bool:
    return _active(user) and getattr(user, "role", None) in (Role.ADMIN, Role.OPERATOR)


def can_view(user: AnyUser) -> bool:
    """Any signed-in, active person may look around: the directory, teams, their own home page."""
    return _active(user)


def can_manage_teams(user: AnyUser) -> bool:
    """Create, rename and archive teams."""
    return is_admin(user)


def member_of(user: AnyUser, team: Team) -> bool:
    if user is None or user.pk is None or not _active(user):
        return False
    return team.memberships.filter(user_id=user.pk).exists()


def can_edit_team(user: AnyUser, team: Team) -> bool:
    """Change a team's description and members: administrators, and operators who belong to it."""
    if is_admin(user):
        return True
    return is_operator(user) and team.archived_at is None and member_of(user, team)


def can_manage_people(user: AnyUser) -> bool:
    """Invite people, change their role, deactivate them."""
    return is_admin(user)


def can_view_audit(user: AnyUser) -> bool:
    return is_admin(user)


def can_manage_deliveries(user: AnyUser) -> bool:
    """See undeliverable notifications and send them again."""
    return is_admin(user)


def allowed_scopes(user: AnyUser, scopes: list[str]) -> list[str]:
    """The scopes of those requested that this person may put on a token; admin-only ones are dropped."""
    if is_admin(user):
        return list(scopes)
    return [scope for scope in scopes if scope not in ADMIN_ONLY_SCOPES]


def can_manage_channel(user: AnyUser, channel: object) -> bool:
    """See, change, test or archive a notification channel: only the person it belongs to."""
    return _active(user) and getattr(channel, "owner_id", None) == getattr(user, "pk", None)


def can_make_token_through(token: ApiToken | None) -> bool:
    """Tokens are made by a signed-in person. A token may make another only if it holds the scope 'all':
    otherwise a leaked token could keep its access alive by making a successor before it is revoked."""
    from steadyops.accounts.scopes import ALL

    return token is None or ALL in token.scopes


def can_own_with(user: AnyUser, team: Team) -> bool:
    """Make a team the owner of a catalog entry: administrators for any team, operators for their own teams."""
    if is_admin(user):
        return True
    return is_operator(user) and team.archived_at is None and member_of(user, team)


def can_create_catalog_entries(user: AnyUser) -> bool:
    """Add services and resources to the catalog (owned by a team the person may own with)."""
    return is_operator(user)


def can_manage_systems(user: AnyUser) -> bool:
    """Create and change the systems that group services: administrators and operators."""
    return is_operator(user)


def can_edit_service(user: AnyUser, service: object) -> bool:
    """Change a service, its dependencies and capacity: administrators, and operators in its owning team or in
    one of its secondary owner teams."""
    if is_admin(user):
        return True
    if not is_operator(user) or user is None or getattr(service, "archived_at", None) is not None:
        return False
    from steadyops.accounts.models import Membership

    owner_ids = {getattr(service, "owner_id", None)}
    secondary = getattr(service, "secondary_owners", None)
    if secondary is not None:
        owner_ids.update(team.pk for team in secondary.all())
    return Membership.objects.filter(user_id=user.pk or 0, team_id__in=owner_ids, team__archived_at=None).exists()


def can_edit_resource(user: AnyUser, resource: object) -> bool:
    """Change a resource, its dependencies and capacity: administrators, and operators in its owning team."""
    if is_admin(user):
        return True
    if not is_operator(user) or user is None or getattr(resource, "archived_at", None) is not None:
        return False
    from steadyops.accounts.models import Membership

    owner_id = getattr(resource, "owner_id", None) or 0
    return Membership.objects.filter(user_id=user.pk or 0, team_id=owner_id, team__archived_at=None).exists()


def can_accept_risk(user: AnyUser, component: object) -> bool:
    """Accept a single point of failure as a known risk, or withdraw that: administrators, and operators in a
    team that owns the component."""
    from steadyops.catalog.models import Service

    if isinstance(component, Service):
        return can_edit_service(user, component)
    return can_edit_resource(user, component)


def can_accept_risk_of_teams(user: AnyUser, owner_team_ids: frozenset[int], own_team_ids: set[int]) -> bool:
    """The same rule as can_accept_risk, for a list page that already knows the owning teams of each component
    and the person's current teams, so that it asks the database once, not once per finding."""
    return is_admin(user) or (is_operator(user) and bool(owner_team_ids & own_team_ids))


def current_team_ids(user: AnyUser) -> set[int]:
    """The ids of the current (not archived) teams this person belongs to."""
    if user is None or user.pk is None or not _active(user):
        return set()
    from steadyops.accounts.models import Membership

    return set(Membership.objects.filter(user_id=user.pk, team__archived_at=None).values_list("team_id", flat=True))


def can_archive_systems(user: AnyUser) -> bool:
    """Archive the systems that group services: administrators only, as every team's services lose their group."""
    return is_admin(user)


def can_manage_environments(user: AnyUser) -> bool:
    """Add and rename the environments capacity is recorded for: administrators only."""
    return is_admin(user)


def can_take_part(user: AnyUser) -> bool:
    """Raise a topic, vote, add an idea, comment, register a traffic event: everyone signed in except viewers,
    who only look."""
    return _active(user) and getattr(user, "role", None) != Role.VIEWER


def _runs(user: AnyUser, item: object) -> bool:
    """Whether a person started item, or belongs to the team it is kept for (item has created_by_id and an
    optional team_id)."""
    if user is None or user.pk is None or not _active(user):
        return False
    if getattr(item, "created_by_id", None) == user.pk:
        return True
    team_id = getattr(item, "team_id", None)
    if team_id is None:
        return False
    from steadyops.accounts.models import Membership

    return Membership.objects.filter(user_id=user.pk, team_id=team_id, team__archived_at=None).exists()


def can_run_consensus(user: AnyUser, item: object) -> bool:
    """Change, open the next round of, close or archive a topic, idea board, working session or decision record:
    administrators, the person who started it, and members of the team it is kept for (viewers never)."""
    return is_admin(user) or (can_take_part(user) and _runs(user, item))


def can_edit_demand_event(user: AnyUser, event: object) -> bool:
    """Change or cancel a traffic event: administrators, the person who registered it, members of the team it
    was registered for, and operators (who correct dates and services while planning)."""
    return is_admin(user) or is_operator(user) or (can_take_part(user) and _runs(user, event))


def can_triage_demand(user: AnyUser) -> bool:
    """Move a traffic event through acknowledged → plan needed → ready: operators and administrators."""
    return is_operator(user)


def can_manage_metrics(user: AnyUser) -> bool:
    """Import metric history, set up Prometheus pulls, run forecasts: operators and administrators."""
    return is_operator(user)


def can_manage_demand_feeds(user: AnyUser, team: Team) -> bool:
    """Make and revoke a team's private calendar address: administrators and the team's members (not viewers)."""
    return is_admin(user) or (can_take_part(user) and member_of(user, team))


def can_work_in_session(user: AnyUser, session: object) -> bool:
    """List and settle a working session's conflicts and write its record: those who run it (can_run_consensus)
    and its participants."""
    if can_run_consensus(user, session):
        return True
    participants = getattr(session, "participants", None)
    return (
        can_take_part(user) and participants is not None and participants.filter(pk=getattr(user, "pk", None)).exists()
    )


def can_press_panic(user: AnyUser) -> bool:
    """Report that something looks broken: every signed-in, active person, whatever their role."""
    return _active(user)


def can_triage_signals(user: AnyUser) -> bool:
    """Accept, merge or decline what the panic button and the alerts brought in: operators and administrators."""
    return is_operator(user)


def can_work_incident(user: AnyUser, incident: object) -> bool:
    """Change an incident's status, severity, roles and timeline, post its updates: operators and administrators
    (whoever is around helps; the roles say who leads)."""
    return is_operator(user)


def can_manage_oncall(user: AnyUser, team: Team) -> bool:
    """Change a team's rotations, overrides and escalation policies: administrators, and the team's operators."""
    return is_admin(user) or (is_operator(user) and team.archived_at is None and member_of(user, team))


def can_send_alerts(user: AnyUser) -> bool:
    """Send alerts into steadyops (Alertmanager or generic webhooks, through a token): operators and
    administrators, whose tokens monitoring systems hold."""
    return is_operator(user)
