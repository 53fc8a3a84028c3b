"""The demo organisation: teams, people in every role, and each module's example data.

Every module adds its part with `@demo.contribution("name")` in its own `demo.py`; `load()` runs
the people-and-teams part first, then each contribution in the order of INSTALLED_APPS. Every part
must be idempotent: loading twice changes nothing and creates no duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from steadyops.accounts import services as accounts
from steadyops.accounts.models import Role, Team, User
from steadyops.core import audit
from steadyops.core.actor import Actor

DEMO_PASSWORD = "steadyops-demo"
EMAIL_DOMAIN = "example.com"

# slug, name, is_operations, description
TEAMS: list[tuple[str, str, bool, str]] = [
    ("platform", "Platform", True, "Runs the shared infrastructure: clusters, databases, networking."),
    ("checkout", "Checkout", True, "Builds and runs the basket and checkout."),
    ("payments", "Payments", True, "Builds and runs payment processing and refunds."),
    ("search", "Search", True, "Builds and runs product search."),
    ("marketing", "Marketing", False, "Campaigns, newsletters and launches."),
    ("sales", "Sales", False, "Large customers and partner deals."),
    ("support", "Support", False, "Answers customers by chat, phone and email."),
]

# username, display name, role, team slugs
PEOPLE: list[tuple[str, str, str, list[str]]] = [
    ("admin", "Ada Admin", Role.ADMIN, []),
    ("priya", "Priya Raman", Role.OPERATOR, ["platform"]),
    ("carlos", "Carlos Mendes", Role.OPERATOR, ["checkout"]),
    ("mei", "Mei Chen", Role.OPERATOR, ["payments"]),
    ("omar", "Omar Haddad", Role.OPERATOR, ["search"]),
    ("maria", "Maria Rossi", Role.STAKEHOLDER, ["marketing"]),
    ("sam", "Sam Okafor", Role.STAKEHOLDER, ["sales"]),
    ("sofia", "Sofia Lind", Role.STAKEHOLDER, ["support"]),
    ("victor", "Victor Dubois", Role.VIEWER, []),
]

# What `steadyops up` prints: one sign-in per role.
LOGINS: list[tuple[str, str]] = [
    ("administrator", "admin"),
    ("operator", "priya"),
    ("stakeholder", "maria"),
    ("viewer", "victor"),
]

USER_FIELDS = ["username", "email", "display_name", "role", "is_active", "is_staff", "is_superuser"]


@dataclass
class DemoOrganisation:
    """What the demo loader has built so far, handed to each module's contribution."""

    actor: Actor
    teams: dict[str, Team]
    people: dict[str, User]
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, number: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + number


Contribution = Callable[[DemoOrganisation], None]
_contributions: dict[str, Contribution] = {}


def contribution(name: str) -> Callable[[Contribution], Contribution]:
    """Register a module's demo data. It runs after the teams and people exist and must be idempotent."""

    def register(function: Contribution) -> Contribution:
        _contributions[name] = function
        return function

    return register


def contributions() -> dict[str, Contribution]:
    """The registered contributions in the order of INSTALLED_APPS, with every installed app's `demo` module
    imported first. Registration order alone would depend on which module a test or command happened to import
    first; a module's contribution may build on those of the apps listed before it."""
    autodiscover_modules("demo")
    names = [config.name for config in apps.get_app_configs()]

    def position(item: tuple[str, Contribution]) -> int:
        config = apps.get_containing_app_config(item[1].__module__)
        return names.index(config.name) if config is not None else len(names)

    return dict(sorted(_contributions.items(), key=position))


def _create_person(*, actor: Actor, username: str, display_name: str, role: str) -> User:
    is_admin = role == Role.ADMIN
    user = User(
        username=username,
        email=f"{username}@{EMAIL_DOMAIN}",
        display_name=display_name,
        role=role,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    user.set_password(DEMO_PASSWORD)
    user.full_clean()
    user.save()
    audit.record(actor=actor, action="user.create", obj=user, after=audit.snapshot(user, USER_FIELDS))
    return user


def _people_and_teams() -> DemoOrganisation:
    # The first administrator has to exist before anyone can act through the services.
    admin = User.objects.filter(username="admin").first()
    organisation = DemoOrganisation(actor=Actor.system_actor("demo"), teams={}, people={})
    if admin is None:
        admin = _create_person(actor=organisation.actor, username="admin", display_name="Ada Admin", role=Role.ADMIN)
        organisation.count("people")
    organisation.people["admin"] = admin
    organisation.actor = Actor.cli(admin, "demo")

    for slug, name, is_operations, description in TEAMS:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            team = accounts.create_team(
                actor=organisation.actor, name=name, slug=slug, description=description, is_operations=is_operations
            )
            organisation.count("teams")
        organisation.teams[slug] = team

    for username, display_name, role, team_slugs in PEOPLE:
        person = User.objects.filter(username=username).first()
        if person is None:
            person = _create_person(actor=organisation.actor, username=username, display_name=display_name, role=role)
            organisation.count("people")
        organisation.people[username] = person
        for slug in team_slugs:
            team = organisation.teams[slug]
            if not team.memberships.filter(user=person).exists():
                accounts.add_member(actor=organisation.actor, team=team, user=person)
                organisation.count("memberships")
    return organisation


def load() -> DemoOrganisation:
    """Build the demo organisation, or complete it; existing records are left exactly as they are."""
    steps = contributions()
    with transaction.atomic():
        organisation = _people_and_teams()
        for step in steps.values():
            step(organisation)
    return organisation


def working_logins() -> list[tuple[str, str]]:
    """The demo sign-ins (role, username) that still accept the demo password."""
    users = {user.username: user for user in User.objects.filter(username__in=[name for _, name in LOGINS])}
    return [
        (role, username)
        for role, username in LOGINS
        if username in users and users[username].is_active and users[username].check_password(DEMO_PASSWORD)
    ]
