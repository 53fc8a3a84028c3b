"""The people every authorization test is written for."""

from dataclasses import dataclass

from steadyops.accounts.models import Membership, Role, Team, User

PASSWORD = "correct horse battery staple"


@dataclass
class Personas:
    admin: User
    operator_a: User
    operator_b: User
    stakeholder: User
    viewer: User
    team_a: Team
    team_b: Team
    marketing: Team

    def by_name(self, name: str) -> User | None:
        """The persona called name; 'anonymous' is None."""
        return None if name == "anonymous" else getattr(self, name)


NAMES = ("admin", "operator_a", "operator_b", "stakeholder", "viewer", "anonymous")


def make_user(username: str, role: str, *teams: Team) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        display_name=username.replace("_", " ").title(),
    )
    for team in teams:
        Membership.objects.create(team=team, user=user)
    return user


def make_personas() -> Personas:
    team_a = Team.objects.create(slug="platform", name="Platform")
    team_b = Team.objects.create(slug="checkout", name="Checkout")
    marketing = Team.objects.create(slug="marketing", name="Marketing", is_operations=False)
    return Personas(
        admin=make_user("admin", Role.ADMIN),
        operator_a=make_user("operator_a", Role.OPERATOR, team_a),
        operator_b=make_user("operator_b", Role.OPERATOR, team_b),
        stakeholder=make_user("stakeholder", Role.STAKEHOLDER, marketing),
        viewer=make_user("viewer", Role.VIEWER),
        team_a=team_a,
        team_b=team_b,
        marketing=marketing,
    )
