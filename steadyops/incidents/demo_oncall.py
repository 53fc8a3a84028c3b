"""Demo data for on-call: a weekly rotation per operations team, handing over on Mondays at 09:00 Berlin time,
a holiday cover, and each team's default escalation policy (the rotation, then the administrator)."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.utils import timezone

from steadyops.core.demo import DemoOrganisation
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import EscalationPolicy, Override, Rotation

# team slug, rotation name, members in turn order
ROTATIONS: list[tuple[str, str, list[str]]] = [
    ("platform", "Platform weekly", ["priya", "omar"]),
    ("checkout", "Checkout weekly", ["carlos", "priya"]),
    ("payments", "Payments weekly", ["mei", "carlos"]),
    ("search", "Search weekly", ["omar", "mei"]),
]
FIRST_MONDAY = date(2025, 1, 6)
COVER_REASON = "Holiday swap"


def load(organisation: DemoOrganisation) -> None:
    """Add the rotations, one cover and the escalation policies; anything already there is left as it is."""
    actor = organisation.actor
    for slug, name, usernames in ROTATIONS:
        team = organisation.teams[slug]
        rotation = Rotation.objects.filter(team=team, name=name).first()
        if rotation is None:
            rotation = services.create_rotation(
                actor=actor,
                team=team,
                data=services.RotationInput(
                    name=name,
                    period="weekly",
                    handoff_time=time(9, 0),
                    timezone="Europe/Berlin",
                    starts_on=FIRST_MONDAY,
                    members=[organisation.people[username] for username in usernames],
                ),
            )
            organisation.count("on-call rotations")
        if not EscalationPolicy.objects.filter(team=team, archived_at=None).exists():
            services.create_policy(
                actor=actor,
                team=team,
                name=f"{team.name} incidents",
                repeat=1,
                is_default=True,
                steps=[
                    services.StepInput(wait_minutes=10, rotation=rotation),
                    services.StepInput(wait_minutes=15, user=organisation.people["admin"]),
                ],
            )
            organisation.count("escalation policies")
    platform = Rotation.objects.filter(team=organisation.teams["platform"], name=ROTATIONS[0][1]).first()
    if platform is not None and not Override.objects.filter(rotation=platform, reason=COVER_REASON).exists():
        start = (timezone.now() + timedelta(days=9)).replace(hour=8, minute=0, second=0, microsecond=0)
        services.create_override(
            actor=actor,
            rotation=platform,
            user=organisation.people["carlos"],
            starts_at=start,
            ends_at=start + timedelta(days=2),
            reason=COVER_REASON,
        )
        organisation.count("on-call covers")
