"""The SPOF finder on the catalog: what single failure takes us down, and what we accepted knowingly.

The catalog's rows become `spof.Component` and `spof.Dependency` values: every current service and resource is a
component, keyed "service:slug" or "resource:slug"; user-facing services are the entry points, one user journey
each; instances and zones come from the capacity recorded in the chosen environment (nothing recorded: unknown).
Loading the graph takes the same few queries whatever the size of the catalog.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, cast

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from steadyops.accounts.models import Team
from steadyops.catalog import spof
from steadyops.catalog.models import (
    ACCEPTANCE_DAYS_MAX,
    TEXT_MAX,
    AcceptedRisk,
    Capacity,
    Dependency,
    Environment,
    FindingKind,
    Resource,
    Service,
)
from steadyops.core import audit, permissions
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry

DEFAULT_ENVIRONMENT = "production"
ACCEPTED_RISK_FIELDS = ["component_key", "kind", "dependent_key", "reason", "expires_on", "archived_at"]
ComponentType = Literal["service", "resource"]


@dataclass(frozen=True)
class CatalogComponent:
    """A service or resource as the finder sees it, with what pages need to name and link it."""

    key: str
    type: ComponentType
    slug: str
    name: str
    owner: str
    team_ids: frozenset[int]
    user_facing: bool

    @property
    def url(self) -> str:
        return reverse(f"catalog_{self.type}_detail", args=[self.slug])


@dataclass(frozen=True)
class ReportedFinding:
    """One finding of the finder, with the components it names and, when accepted, the acceptance."""

    finding: spof.Finding
    component: CatalogComponent
    dependent: CatalogComponent | None
    journeys: tuple[CatalogComponent, ...]
    acceptance: AcceptedRisk | None = None

    @property
    def kind(self) -> str:
        return self.finding.kind

    @property
    def kind_label(self) -> str:
        return FindingKind(self.finding.kind).label

    @property
    def dependent_key(self) -> str:
        return self.dependent.key if self.dependent else ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.component.key, self.finding.kind, self.dependent_key)

    @property
    def anchor(self) -> str:
        return anchor_for(*self.identity)

    def concerns(self, team_ids: set[int] | frozenset[int]) -> bool:
        """Whether one of these teams owns the component or, for a missing fallback, the depending one."""
        owners = self.component.team_ids | (self.dependent.team_ids if self.dependent else frozenset())
        return bool(owners & team_ids)


@dataclass
class SpofReport:
    """The findings in one environment: those still open, and those accepted as known risks."""

    environment: Environment | None
    open: list[ReportedFinding] = field(default_factory=list)
    accepted: list[ReportedFinding] = field(default_factory=list)
    ranked: list[ReportedFinding] = field(default_factory=list)  # both, largest blast radius first
    # Components that need one another in a circle: allowed, flagged.
    cycles: list[tuple[CatalogComponent, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class FailureImpact:
    """What stops (broken) and what works less well (degraded) when one component fails."""

    failed: CatalogComponent
    broken: tuple[CatalogComponent, ...]
    degraded: tuple[CatalogComponent, ...]

    @property
    def broken_journeys(self) -> tuple[CatalogComponent, ...]:
        itself = (self.failed,) if self.failed.user_facing else ()
        return itself + tuple(c for c in self.broken if c.user_facing)

    @property
    def degraded_journeys(self) -> tuple[CatalogComponent, ...]:
        return tuple(c for c in self.degraded if c.user_facing)


@dataclass
class CatalogGraph:
    """The catalog in one environment, ready for the finder."""

    environment: Environment | None
    components: dict[str, CatalogComponent]
    nodes: list[spof.Component]
    edges: list[spof.Dependency]

    def ordered(self) -> list[CatalogComponent]:
        return sorted(self.components.values(), key=lambda c: (c.type != "service", c.name.casefold(), c.key))


def anchor_for(component_key: str, kind: str, dependent_key: str = "") -> str:
    """An HTML id for a finding, made only of letters, digits and hyphens whatever was sent."""
    return "finding-" + slugify(f"{component_key} {kind} {dependent_key}".replace(":", " ").replace("_", " "))[:150]


def _unique_names(rows: list[tuple[str, ComponentType, str, str]]) -> dict[str, str]:
    """Each component's name, with its slug added where two share a name, so explanations are never ambiguous."""
    counts = Counter(name.casefold() for _, _, _, name in rows)
    named = {key: (f"{name} ({slug})" if counts[name.casefold()] > 1 else name) for key, _, slug, name in rows}
    again = Counter(name.casefold() for name in named.values())
    return {
        key: (f"{name} ({kind} {slug})" if again[named[key].casefold()] > 1 else named[key])
        for key, kind, slug, name in rows
    }


def load_graph(environment: Environment | None) -> CatalogGraph:
    """The current services and resources, their dependencies, and their spread in `environment`."""
    service_rows = list(
        Service.objects.filter(archived_at=None).values_list(
            "pk", "slug", "name", "owner_id", "owner__name", "user_facing"
        )
    )
    secondary: dict[int, set[int]] = {}
    through: Any = Service.secondary_owners.through
    for service_id, team_id in through.objects.filter(service__archived_at=None).values_list("service_id", "team_id"):
        secondary.setdefault(service_id, set()).add(team_id)
    resource_rows = list(
        Resource.objects.filter(archived_at=None).values_list("pk", "slug", "name", "owner_id", "owner__name")
    )
    service_key = {pk: f"service:{slug}" for pk, slug, *_ in service_rows}
    resource_key = {pk: f"resource:{slug}" for pk, slug, *_ in resource_rows}
    names = _unique_names(
        [(service_key[pk], "service", slug, name) for pk, slug, name, *_ in service_rows]
        + [(resource_key[pk], "resource", slug, name) for pk, slug, name, *_ in resource_rows]
    )
    components: dict[str, CatalogComponent] = {}
    for pk, slug, _, owner_id, owner_name, user_facing in service_rows:
        key = service_key[pk]
        teams = frozenset({owner_id, *secondary.get(pk, ())})
        components[key] = CatalogComponent(key, "service", slug, names[key], owner_name, teams, user_facing)
    for pk, slug, _, owner_id, owner_name in resource_rows:
        key = resource_key[pk]
        components[key] = CatalogComponent(key, "resource", slug, names[key], owner_name, frozenset({owner_id}), False)

    spread: dict[str, tuple[int, int]] = {}
    if environment is not None:
        for service_id, resource_id, instances, zones in Capacity.objects.filter(environment=environment).values_list(
            "service_id", "resource_id", "instances", "zones"
        ):
            spread_of = service_key.get(service_id) if service_id else resource_key.get(resource_id)
            if spread_of is not None:
                spread[spread_of] = (instances, zones)
    nodes = [
        spof.Component(c.key, c.name, c.user_facing, *spread.get(c.key, (None, None))) for c in components.values()
    ]
    edges = []
    for (
        source_service,
        source_resource,
        target_service,
        target_resource,
        hard,
        degrades,
    ) in Dependency.objects.values_list(
        "source_service_id", "source_resource_id", "target_service_id", "target_resource_id", "hard", "degrades"
    ):
        source = service_key.get(source_service) if source_service else resource_key.get(source_resource)
        target = service_key.get(target_service) if target_service else resource_key.get(target_resource)
        # A dependency on or from an archived component leaves the analysis with it.
        if source is not None and target is not None:
            edges.append(spof.Dependency(source, target, hard, cast(spof.Degrades, degrades)))
    return CatalogGraph(environment, components, nodes, edges)


def environment_named(slug: str | None) -> Environment | None:
    """The environment with this slug; without one, production (or the first there is; None when there is none).

    An unknown slug is a ValidationError naming the environments there are.
    """
    if slug:
        found = Environment.objects.filter(slug=slug).first()
        if found is None:
            known = ", ".join(Environment.objects.values_list("slug", flat=True)) or "none yet"
            raise ValidationError({"environment": f"There is no environment “{slug[:50]}”. Known: {known}."})
        return found
    return Environment.objects.filter(slug=DEFAULT_ENVIRONMENT).first() or Environment.objects.first()


def current_acceptances(
    environment: Environment, today: date | None = None
) -> dict[tuple[str, str, str], AcceptedRisk]:
    """The acceptances that still hold in `environment`: not withdrawn, not expired."""
    today = today or timezone.localdate()
    rows = AcceptedRisk.objects.filter(environment=environment, archived_at=None, expires_on__gt=today).select_related(
        "accepted_by"
    )
    return {(row.component_key, row.kind, row.dependent_key): row for row in rows}


def current_spof_report(*, environment: Environment, with_cycles: bool = True) -> SpofReport:
    """spof_report for the whole catalog, reused until the next audited change or the next day.

    Every catalog change writes the audit log in its own transaction, so the newest audit entry's id moves whenever
    the answer could; acceptances expire by date, so the date is part of the key too. Home pages ask this on every
    view, and the analysis reads the whole catalog.
    """
    latest = AuditEntry.objects.aggregate(latest=Max("pk"))["latest"] or 0
    key = f"spof-report:{environment.pk}:{int(with_cycles)}:{timezone.localdate().isoformat()}:{latest}"
    report: SpofReport | None = cache.get(key)
    if report is None:
        report = spof_report(environment=environment, with_cycles=with_cycles)
        cache.set(key, report, timeout=3600)
    return report


def spof_report(
    *, environment: Environment | None, team: Team | None = None, today: date | None = None, with_cycles: bool = True
) -> SpofReport:
    """Every single point of failure in `environment`, split into open and accepted; with `team`, only those that
    concern that team (it owns the component, or the depending one of a missing fallback)."""
    report = SpofReport(environment)
    if environment is None:
        return report
    graph = load_graph(environment)
    acceptances = current_acceptances(environment, today)
    components = graph.components
    for finding in spof.find_spofs(graph.nodes, graph.edges):
        dependent = None
        if finding.kind == "no_fallback":
            dependent = components[finding.dependent]
        reported = ReportedFinding(
            finding,
            components[finding.component],
            dependent,
            tuple(components[key] for key in finding.blast_radius),
        )
        if team is not None and not reported.concerns({team.pk}):
            continue
        acceptance = acceptances.get(reported.identity)
        if acceptance is None:
            report.open.append(reported)
        else:
            reported = _accepted(reported, acceptance)
            report.accepted.append(reported)
        report.ranked.append(reported)
    for group in spof.dependency_cycles(graph.nodes, graph.edges) if with_cycles else ():
        members = tuple(components[key] for key in group)
        if team is None or any(team.pk in member.team_ids for member in members):
            report.cycles.append(members)
    return report


def _accepted(reported: ReportedFinding, acceptance: AcceptedRisk) -> ReportedFinding:
    return ReportedFinding(reported.finding, reported.component, reported.dependent, reported.journeys, acceptance)


def impact_in(graph: CatalogGraph, component_key: str) -> FailureImpact:
    """What breaks and what degrades in `graph` when the component with this key fails. An unknown key is a
    ValidationError."""
    if component_key not in graph.components:
        raise ValidationError({"component": "There is no current service or resource by that name; pick one."})
    impact = spof.what_if(graph.nodes, graph.edges, component_key)
    components = graph.components

    def by_name(keys: tuple[str, ...]) -> tuple[CatalogComponent, ...]:
        return tuple(sorted((components[key] for key in keys), key=lambda c: c.name.casefold()))

    return FailureImpact(components[component_key], by_name(impact.broken), by_name(impact.degraded))


def what_if(*, environment: Environment | None, component_key: str) -> FailureImpact:
    """What breaks and what degrades when the component with this key fails, with the catalog as it is now."""
    return impact_in(load_graph(environment), component_key)


# --- Accepting risks ------------------------------------------------------------


def resolve_component(key: str) -> Service | Resource | None:
    """The service or resource a key such as "service:checkout" names, archived or not; None when there is none."""
    kind, _, slug = key.partition(":")
    if kind == "service":
        return Service.objects.filter(slug=slug).select_related("owner").first()
    if kind == "resource":
        return Resource.objects.filter(slug=slug).select_related("owner").first()
    return None


def _clean_reason(reason: str) -> str:
    if "\x00" in reason:
        raise ValidationError({"reason": "The reason contains a NUL character."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this risk is acceptable for now, so the next person knows."})
    if len(reason) > TEXT_MAX:
        raise ValidationError({"reason": f"At most {TEXT_MAX} characters; this has {len(reason)}."})
    return reason


def _check_expiry(expires_on: date, today: date) -> None:
    if expires_on <= today:
        raise ValidationError({"expires_on": "Choose a day in the future: the risk is looked at again then."})
    if expires_on > today + timedelta(days=ACCEPTANCE_DAYS_MAX):
        raise ValidationError({"expires_on": "At most a year from today: accepted risks are looked at again yearly."})


def accept_risk(
    *,
    actor: Actor,
    environment: Environment,
    component_key: str,
    kind: str,
    dependent_key: str = "",
    reason: str,
    expires_on: date,
    today: date | None = None,
) -> AcceptedRisk:
    """Accept a current finding as a known risk until `expires_on` (at most a year), with the reason.

    Administrators, and operators in a team owning the component. Accepting a finding again replaces the
    acceptance that held before.
    """
    today = today or timezone.localdate()
    component = resolve_component(component_key)
    if component is None:
        raise ValidationError({"component": "There is no service or resource by that name."})
    if not permissions.can_accept_risk(actor.user, component):
        raise PermissionDenied(f"Only administrators and the owners of {component} can accept its risks.")
    reason = _clean_reason(reason)
    _check_expiry(expires_on, today)
    identity = (component_key, kind, dependent_key)
    report = spof_report(environment=environment, today=today)
    if identity not in {f.identity for f in report.open + report.accepted}:
        raise ValidationError(
            {"component": f"{component} has no such single point of failure in {environment} now; nothing to accept."}
        )
    with transaction.atomic():
        for previous in AcceptedRisk.objects.select_for_update().filter(
            environment=environment,
            component_key=component_key,
            kind=kind,
            dependent_key=dependent_key,
            archived_at=None,
        ):
            before = audit.snapshot(previous, ACCEPTED_RISK_FIELDS)
            previous.archived_at = timezone.now()
            previous.save(update_fields=["archived_at"])
            audit.record(
                actor=actor,
                action="risk.replace",
                obj=previous,
                before=before,
                after=audit.snapshot(previous, ACCEPTED_RISK_FIELDS),
            )
        risk = AcceptedRisk.objects.create(
            environment=environment,
            component_key=component_key,
            kind=kind,
            dependent_key=dependent_key,
            reason=reason,
            accepted_by=actor.user,
            expires_on=expires_on,
        )
        audit.record(
            actor=actor,
            action="risk.accept",
            obj=risk,
            after={**audit.snapshot(risk, ACCEPTED_RISK_FIELDS), "environment": environment.slug},
        )
    return risk


def can_withdraw(user: object, risk: AcceptedRisk) -> bool:
    component = resolve_component(risk.component_key)
    if component is None:
        return permissions.is_admin(user)  # type: ignore[arg-type]
    return permissions.can_accept_risk(user, component)  # type: ignore[arg-type]


def withdraw_risk(*, actor: Actor, risk: AcceptedRisk) -> AcceptedRisk:
    """Stop accepting a risk: the finding counts again. The acceptance is archived, not deleted."""
    if not can_withdraw(actor.user, risk):
        raise PermissionDenied("Only administrators and the component's owners can withdraw this acceptance.")
    with transaction.atomic():
        risk = AcceptedRisk.objects.select_for_update().get(pk=risk.pk)
        if risk.archived_at is None:
            before = audit.snapshot(risk, ACCEPTED_RISK_FIELDS)
            risk.archived_at = timezone.now()
            risk.save(update_fields=["archived_at"])
            audit.record(
                actor=actor,
                action="risk.withdraw",
                obj=risk,
                before=before,
                after=audit.snapshot(risk, ACCEPTED_RISK_FIELDS),
            )
    return risk
