"""The catalog's card on a person's home page: services of your teams whose capacity is not known."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from steadyops.catalog.models import Capacity, Service
from steadyops.core import permissions
from steadyops.core.navigation import HomeCard

SHOWN = 5
PRODUCTION = "production"


def _more(names: list[str], total: int) -> list[str]:
    return [*names, f"and {total - len(names)} more"] if total > len(names) else names


def cards(user: object) -> list[HomeCard]:
    if not permissions.is_operator(user) or permissions.is_admin(user):  # type: ignore[arg-type]
        return []
    teams = Q(owner__memberships__user_id=user.pk) | Q(secondary_owners__memberships__user_id=user.pk)  # type: ignore[attr-defined]
    ours = Service.objects.filter(teams, archived_at=None).distinct()
    if not ours.exists():
        return [
            HomeCard(
                title="Your services",
                empty_hint="Your teams own no service in the catalog yet. Add the ones you run.",
                link_label="Add a service",
                link_url=reverse("catalog_service_create"),
                tone="info",
            )
        ]
    measured = Capacity.objects.filter(environment__slug=PRODUCTION, per_instance_capacity__isnull=False)
    missing = ours.exclude(pk__in=measured.values("service_id")).order_by("name")
    total = missing.count()
    if not total:
        return [
            HomeCard(
                title="Capacity of your services",
                empty_hint="Every service of your teams has its production capacity recorded.",
                link_label="See the services",
                link_url=reverse("catalog_service_list"),
                tone="ok",
            )
        ]
    first = missing.first()
    return [
        HomeCard(
            title="Services of your teams without capacity figures",
            lines=_more([service.name for service in missing[:SHOWN]], total),
            link_label=f"Record what {first} can handle" if first is not None else "See the services",
            link_url=reverse("catalog_service_capacity_edit", args=[first.slug, PRODUCTION])
            if first is not None
            else reverse("catalog_service_list"),
            tone="warn",
        )
    ]


def spof_cards(user: object) -> list[HomeCard]:
    """Operators see the open single points of failure in components their teams own, in production."""
    from steadyops.catalog import findings

    if not permissions.is_operator(user):  # type: ignore[arg-type]
        return []
    teams = permissions.current_team_ids(user)  # type: ignore[arg-type]
    environment = findings.environment_named(None)
    if not teams or environment is None:
        return []
    # The card lists findings only; circles of dependencies are for the SPOF page.
    report = findings.current_spof_report(environment=environment, with_cycles=False)
    ours = [finding for finding in report.open if finding.concerns(teams)]
    url = reverse("catalog_spof_list")
    if not ours:
        return [
            HomeCard(
                title="Single points of failure",
                empty_hint=f"No open single point of failure in your teams' components in {environment.name}.",
                link_label="See all of them",
                link_url=url,
                tone="ok",
            )
        ]
    lines = [f"{finding.component.name}: {finding.kind_label.lower()}" for finding in ours[:SHOWN]]
    return [
        HomeCard(
            title="Single points of failure in your teams' components",
            lines=_more(lines, len(ours)),
            link_label="See why, and what would help",
            link_url=url,
            tone="warn",
        )
    ]
