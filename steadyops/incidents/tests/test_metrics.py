"""Response figures: times to acknowledge, declare, mitigate and resolve, reports per incident, false alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.incidents import incident_services as services
from steadyops.incidents import metrics
from steadyops.incidents.metrics import Durations, IncidentFacts, SignalFacts
from steadyops.incidents.models import Report, Signal
from steadyops.incidents.models.incidents import Incident
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.testing.personas import Personas

T0 = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


INCIDENTS = [
    # From three reports: acknowledged 5 min after the first, declared at 10, mitigated at 30, fixed at 60.
    IncidentFacts(
        declared_at=at(10),
        first_seen_at=at(0),
        acknowledged_at=at(5),
        mitigated_at=at(30),
        resolved_at=at(60),
        reports=3,
        services=("Checkout",),
        teams=("Payments team",),
    ),
    # Declared by hand: measured from the declaration.
    IncidentFacts(
        declared_at=at(0),
        acknowledged_at=at(20),
        mitigated_at=at(40),
        resolved_at=at(120),
        services=("Checkout", "Search"),
        teams=("Payments team", "Platform"),
    ),
    # Still open, nobody acknowledged yet.
    IncidentFacts(declared_at=at(30), first_seen_at=at(0), reports=6, services=("Search",), teams=("Platform",)),
    IncidentFacts(
        declared_at=at(0),
        acknowledged_at=at(1),
        mitigated_at=at(10),
        resolved_at=at(15),
        services=("Search",),
        teams=("Platform",),
    ),
]
SIGNALS = [
    SignalFacts("accepted", ("Checkout",), ("Payments team",)),
    SignalFacts("declined", ("Checkout",), ("Payments team",)),
    SignalFacts("declined", ("Search",), ("Platform",)),
    SignalFacts("merged", ("Search",), ("Platform",)),
    SignalFacts("open", ("Search",), ("Platform",)),  # not triaged yet: not counted
    SignalFacts("declined"),
]


def test_it_computes_the_overall_figures() -> None:
    found = metrics.figures(INCIDENTS, SIGNALS)
    assert found.incidents == 4
    assert found.acknowledge == Durations(3, 300.0, 520.0)
    assert found.declare == Durations(2, 1200.0, 1200.0)
    assert found.mitigate == Durations(3, 1800.0, 1600.0)
    assert found.resolve == Durations(3, 3600.0, 3900.0)
    assert found.reports == 9
    assert found.reports_per_incident == 2.25
    assert (found.triaged_signals, found.declined_signals, found.false_alarm_rate) == (5, 3, 0.6)


def test_it_computes_figures_per_service_and_team() -> None:
    per_service = metrics.by_service(INCIDENTS, SIGNALS)
    assert list(per_service) == ["Checkout", "Search"]
    checkout, search = per_service["Checkout"], per_service["Search"]
    assert checkout.incidents == 2
    assert checkout.acknowledge == Durations(2, 750.0, 750.0)
    assert checkout.resolve == Durations(2, 5400.0, 5400.0)
    assert checkout.reports_per_incident == 1.5
    assert checkout.false_alarm_rate == 0.5
    assert search.incidents == 3
    assert search.acknowledge == Durations(2, 630.0, 630.0)
    assert search.declare == Durations(1, 1800.0, 1800.0)
    assert search.reports_per_incident == 2.0
    assert (search.triaged_signals, search.declined_signals) == (2, 1)
    per_team = metrics.by_team(INCIDENTS, SIGNALS)
    assert per_team["Payments team"] == checkout
    assert per_team["Platform"] == search


def test_it_has_nothing_to_say_about_nothing() -> None:
    found = metrics.figures([], [])
    assert found.incidents == 0
    assert found.acknowledge == Durations(0, None, None)
    assert found.reports_per_incident is None
    assert found.false_alarm_rate is None


def test_it_never_measures_negative_times() -> None:
    early = IncidentFacts(declared_at=at(10), first_seen_at=at(20), acknowledged_at=at(5))
    found = metrics.figures([early])
    assert found.acknowledge == Durations(1, 0.0, 0.0)
    assert found.declare == Durations(1, 0.0, 0.0)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "—"), (45, "45 s"), (720, "12 min"), (3 * 3600 + 300, "3 h 05 min"), (2 * 86400 + 4 * 3600, "2 d 4 h")],
)
def test_it_says_durations_in_words(seconds: float | None, words: str) -> None:
    assert metrics.duration_words(seconds) == words


def make_history(personas: Personas) -> Incident:
    """One incident on storefront from a signal with two reports (plus an "I see this too"), and a declined
    signal on payments."""
    storefront, payments = build_services(personas)
    now = timezone.now()
    start = now - timedelta(hours=3)
    signal = Signal.objects.create(
        title="Shop error", service=storefront, first_seen_at=start, last_seen_at=start, status="open"
    )
    for _ in range(2):
        Report.objects.create(reporter=personas.stakeholder, signal=signal, created_at=start)
    incident = declare(personas, [storefront], signal=signal)
    Report.objects.create(reporter=personas.viewer, incident=incident, created_at=start, source="me_too")
    Incident.objects.filter(pk=incident.pk).update(
        declared_at=start + timedelta(minutes=12),
        acknowledged_at=start + timedelta(minutes=4),
        mitigated_at=start + timedelta(minutes=40),
        resolved_at=start + timedelta(minutes=90),
        status="resolved",
    )
    Signal.objects.create(
        title="Payments look slow", service=payments, first_seen_at=start, last_seen_at=start, status="declined"
    )
    return incident


@pytest.mark.django_db
def test_it_gathers_the_facts_from_the_database(personas: Personas) -> None:
    make_history(personas)
    now = timezone.now()
    incidents, signals = services.metrics_facts(since=now - timedelta(days=1), until=now)
    assert len(incidents) == 1
    facts = incidents[0]
    assert facts.reports == 3
    assert (facts.services, facts.teams) == (("Storefront",), ("Platform",))
    assert (facts.declared_at - facts.started_at) == timedelta(minutes=12)
    assert sorted(signals, key=lambda item: item.status) == [
        SignalFacts("accepted", ("Storefront",), ("Platform",)),
        SignalFacts("declined", ("Payments",), ("Checkout",)),
    ]
    found = metrics.figures(incidents, signals)
    assert found.acknowledge == Durations(1, 240.0, 240.0)
    assert found.resolve == Durations(1, 5400.0, 5400.0)
    assert found.false_alarm_rate == 0.5
    assert services.metrics_facts(since=now - timedelta(days=10), until=now - timedelta(days=1)) == ([], [])


@pytest.mark.django_db
def test_it_shows_the_figures_page(client: Client, personas: Personas) -> None:
    make_history(personas)
    client.force_login(personas.stakeholder)
    page = client.get(reverse("incidents_metrics")).content.decode()
    assert "All incidents" in page
    assert "4 min / 4 min" in page  # acknowledged
    assert "1 h 30 min / 1 h 30 min" in page  # resolved
    assert "50% (1 of 2)" in page
    assert "Storefront" in page
    assert "Platform" in page
    assert client.get(reverse("incidents_metrics"), {"days": "5"}).status_code == 400


@pytest.mark.django_db
def test_it_answers_the_figures_in_the_api(client: Client, personas: Personas) -> None:
    make_history(personas)
    client.force_login(personas.viewer)
    body = json.loads(client.get("/api/v1/incidents/metrics?days=7").content)
    overall: dict[str, Any] = body["overall"]
    assert overall["incidents"] == 1
    assert overall["acknowledge"] == {"count": 1, "median_seconds": 240.0, "mean_seconds": 240.0}
    assert overall["reports_per_incident"] == 3.0
    assert overall["false_alarm_rate"] == 0.5
    assert [item["name"] for item in body["services"]] == ["Payments", "Storefront"]
    assert [item["name"] for item in body["teams"]] == ["Checkout", "Platform"]
    bad = client.get("/api/v1/incidents/metrics?days=0")
    assert bad.status_code == 422
    assert json.loads(bad.content)["error"]["code"] == "invalid"
