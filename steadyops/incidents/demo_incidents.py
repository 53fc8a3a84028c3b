"""Demo data for the panic button: a past checkout incident that three colleagues' presses started, handled
and explained in plain words, and one press that was not a problem, declined with a kind note."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from django.utils import timezone

from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.core.demo import DemoOrganisation
from steadyops.incidents import incident_services, triage_services
from steadyops.incidents.models import (
    Audience,
    Customers,
    Incident,
    IncidentStatus,
    Report,
    ReportSource,
    Severity,
    Signal,
    SignalStatus,
    StatusUpdate,
    TimelineEntry,
)

INCIDENT_TITLE = "Customers cannot pay at checkout"
DECLINED_WHAT = "The home page still shows last week's sale banner"
SHOP = "https://shop.example.com"

# Who pressed, minutes after the story starts, what they wrote, where, how many customers.
CHECKOUT_PRESSES: list[tuple[str, int, str, str, str]] = [
    ("sam", 2, "Customers are calling sales: the payment step spins forever", "", Customers.MANY),
    ("sofia", 5, "Chat is full of people stuck at paying", f"{SHOP}/checkout/payment", Customers.MANY),
    ("maria", 7, "The newsletter link to checkout ends in an error", f"{SHOP}/checkout", Customers.FEW),
]


def load(organisation: DemoOrganisation) -> None:
    """Add the panic-button story to the demo organisation; loading again changes nothing."""
    if not Incident.objects.filter(title=INCIDENT_TITLE).exists():
        _checkout_incident(organisation)
        organisation.count("incidents")
    if not Report.objects.filter(what=DECLINED_WHAT).exists():
        _declined_press(organisation)
        organisation.count("declined presses")


def _report(
    organisation: DemoOrganisation,
    username: str,
    at: datetime,
    what: str,
    where: str,
    customers: str,
    service: Service | None,
    signal: Signal,
) -> Report:
    person = organisation.people[username]
    team = person.teams.filter(archived_at=None).order_by("name").first()
    return Report.objects.create(
        reporter=person,
        team=team,
        what=what,
        where_url=where,
        service=service,
        customers=customers,
        signal=signal,
        source=ReportSource.PAGE,
        created_at=at,
        grouped_at=at,
    )


def _checkout_incident(organisation: DemoOrganisation) -> None:
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=9)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    checkout = Service.objects.filter(slug="checkout").first()
    # The presses of that afternoon, as grouping left them: one signal that paged on-call at the third report.
    signal = Signal.objects.create(
        title=CHECKOUT_PRESSES[0][2],
        service=checkout,
        status=SignalStatus.PAGED,
        first_seen_at=at(2),
        last_seen_at=at(7),
        report_count=len(CHECKOUT_PRESSES),
        paged_at=at(7),
    )
    for username, minutes, what, where, customers in CHECKOUT_PRESSES:
        _report(organisation, username, at(minutes), what, where, customers, checkout, signal)

    carlos = organisation.people["carlos"]
    priya = organisation.people["priya"]
    actor = Actor.cli(carlos, "demo")
    stamps: list[tuple[int, int]] = []  # (last timeline entry before a step, minutes of that step)

    def step(minutes: int) -> None:
        last = TimelineEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        stamps.append((last, minutes))

    step(12)
    incident = triage_services.accept(
        actor=actor,
        signal=signal,
        title=INCIDENT_TITLE,
        severity=Severity.SEV1,
        services=[checkout] if checkout else [],
    )
    step(9)
    incident_services.acknowledge(incident=incident, user=carlos, via="page")
    step(13)
    incident_services.assign_roles(actor=actor, incident=incident, commander=carlos, communications=priya, scribe=None)
    step(18)
    technical = incident_services.post_update(
        actor=actor,
        incident=incident,
        audience=Audience.TECHNICAL,
        text="Card authorisations time out at Paylane (p99 30 s). Failing over to their secondary endpoint.",
    )
    step(20)
    first = incident_services.post_update(
        actor=Actor.cli(priya, "demo"),
        incident=incident,
        audience=Audience.STAKEHOLDERS,
        affected="Paying for an order on the website.",
        customers_see="The payment step keeps loading, then says “Something went wrong”. No money is taken.",
        tell_customers="We know and are fixing it. Their basket is kept; please try again in about 30 minutes.",
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    step(25)
    incident_services.change_status(actor=actor, incident=incident, status=IncidentStatus.IDENTIFIED)
    step(41)
    incident_services.change_status(actor=actor, incident=incident, status=IncidentStatus.MONITORING)
    step(43)
    second = incident_services.post_update(
        actor=Actor.cli(priya, "demo"),
        incident=incident,
        audience=Audience.STAKEHOLDERS,
        affected="Paying for an order on the website.",
        customers_see="Payments work again. A few customers may need to press “Pay” once more.",
        tell_customers="It is fixed. Anyone who could not pay between 14:02 and 14:41 can simply try again.",
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    step(70)
    incident_services.change_status(actor=actor, incident=incident, status=IncidentStatus.RESOLVED)

    # Everything above happened just now; move it back to that afternoon, step by step.
    bounds = [*stamps, (TimelineEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0, 0)]
    for (after, minutes), (until, _) in pairwise(bounds):
        TimelineEntry.objects.filter(incident=incident, pk__gt=after, pk__lte=until).update(at=at(minutes))
    StatusUpdate.objects.filter(pk=technical.pk).update(created_at=at(18))
    StatusUpdate.objects.filter(pk=first.pk).update(created_at=at(20), next_update_by=at(50))
    StatusUpdate.objects.filter(pk=second.pk).update(created_at=at(43), next_update_by=at(73))
    Incident.objects.filter(pk=incident.pk).update(
        declared_at=at(12),
        created_at=at(12),
        acknowledged_at=at(9),
        mitigated_at=at(41),
        resolved_at=at(70),
        next_update_due_at=None,
    )


def _declined_press(organisation: DemoOrganisation) -> None:
    # Recent on purpose: the kind note goes out when the demo loads, and it names the moment of the press.
    storefront = Service.objects.filter(slug="storefront-web").first()
    pressed = timezone.now() - timedelta(minutes=12)
    signal = Signal.objects.create(
        title=DECLINED_WHAT, service=storefront, first_seen_at=pressed, last_seen_at=pressed, report_count=1
    )
    _report(organisation, "maria", pressed, DECLINED_WHAT, f"{SHOP}/", Customers.UNKNOWN, storefront, signal)
    triage_services.decline(
        actor=Actor.cli(organisation.people["priya"], "demo"),
        signal=signal,
        reason="not_a_problem",
        note="The new banner goes live at 11:00, as planned in marketing's calendar: the page was right.",
    )
