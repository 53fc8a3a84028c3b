"""The accounts module's cards on a person's home page."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.urls import reverse

from steadyops.accounts.models import Team, User
from steadyops.core import permissions
from steadyops.core.navigation import HomeCard

SHOWN = 5


def _more(names: list[str], total: int) -> list[str]:
    return [*names, f"and {total - len(names)} more"] if total > len(names) else names


def cards(user: User | AnonymousUser) -> list[HomeCard]:
    if not isinstance(user, User) or not permissions.can_view(user):
        return []
    result = [_your_teams(user)]
    if permissions.is_admin(user):
        result.extend([_never_signed_in(user), _teams_without_members()])
    return result


def _your_teams(user: User) -> HomeCard:
    teams = list(Team.objects.filter(archived_at=None, memberships__user=user).order_by("name"))
    if not teams:
        hint = (
            "You are in no team yet. Open a team and add yourself, or create one."
            if permissions.can_manage_teams(user)
            else "You are in no team yet — ask an administrator to add you to yours."
        )
        return HomeCard(
            title="Your teams",
            empty_hint=hint,
            link_label="See all teams",
            link_url=reverse("team_list"),
            tone="warn",
        )
    link = reverse("team_detail", kwargs={"slug": teams[0].slug}) if len(teams) == 1 else reverse("team_list")
    return HomeCard(
        title="Your teams",
        lines=[team.name for team in teams],
        link_label=f"Open {teams[0].name}" if len(teams) == 1 else "See all teams",
        link_url=link,
    )


def _never_signed_in(admin: User) -> HomeCard:
    # The admin reading this has signed in, whatever a session made without the login form recorded.
    waiting = User.objects.filter(is_active=True, last_login=None).exclude(pk=admin.pk).order_by("username")
    total = waiting.count()
    if not total:
        return HomeCard(
            title="Invitations",
            empty_hint="Everyone you invited has signed in. Invite a colleague from the People page.",
            link_label="Invite someone",
            link_url=reverse("person_create"),
            tone="ok",
        )
    return HomeCard(
        title="People who never signed in",
        lines=_more([str(person) for person in waiting[:SHOWN]], total),
        link_label="See people",
        link_url=reverse("people_list"),
        tone="warn",
    )


def _teams_without_members() -> HomeCard:
    empty = Team.objects.filter(archived_at=None).annotate(n=Count("memberships")).filter(n=0).order_by("name")
    total = empty.count()
    if not total:
        return HomeCard(
            title="Teams without members",
            empty_hint="Every team has members. Create a team when a new group starts.",
            link_label="See teams",
            link_url=reverse("team_list"),
            tone="ok",
        )
    return HomeCard(
        title="Teams without members",
        lines=_more([team.name for team in empty[:SHOWN]], total),
        link_label="See teams",
        link_url=reverse("team_list"),
        tone="warn",
    )
