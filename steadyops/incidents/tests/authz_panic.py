"""Who may reach each panic, triage and press-statistics URL, and the world those URLs need (also used by the
panic and triage tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steadyops.accounts.models import User
from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.incidents import grouping_services, incident_services, intake_services
from steadyops.incidents.models import Incident, IncidentStatus, Report, Signal
from steadyops.testing.authz import OPERATOR_PAGE, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    storefront: Service  # platform (team_a), user-facing
    checkout: Service  # checkout (team_b), user-facing
    report: Report  # the stakeholder's press about checkout
    signal: Signal  # the open signal that report started
    incident: Incident  # an open SEV3 incident, to merge into
    resolved: Incident  # a resolved incident


def build_services(personas: Personas) -> tuple[Service, Service]:
    admin = Actor(user=personas.admin)
    storefront = catalog.create_service(
        actor=admin, name="Storefront", slug="storefront", owner=personas.team_a, tier=1, user_facing=True
    )
    checkout = catalog.create_service(
        actor=admin, name="Checkout", slug="checkout", owner=personas.team_b, tier=1, user_facing=True
    )
    return storefront, checkout


def press(user: User, **fields: Any) -> Report:
    """A press of the panic button by user, grouped into its signal at once."""
    report = intake_services.record_report(actor=Actor(user=user), **fields)
    grouping_services.group_pending()
    report.refresh_from_db()
    return report


def declare(personas: Personas, title: str, *, severity: int = 3, services: tuple[Service, ...] = ()) -> Incident:
    return incident_services.declare_incident(
        actor=Actor(user=personas.admin), title=title, severity=severity, services=services
    )


def resolve(personas: Personas, incident: Incident) -> Incident:
    return incident_services.change_status(
        actor=Actor(user=personas.admin), incident=incident, status=IncidentStatus.RESOLVED
    )


def make_world(personas: Personas) -> World:
    storefront, checkout = build_services(personas)
    report = press(personas.stakeholder, what="Customers say the payment page hangs", service=checkout)
    assert report.signal is not None
    incident = declare(personas, "Search is slow", services=(storefront,))
    resolved = resolve(personas, declare(personas, "Images were missing"))
    return World(personas, storefront, checkout, report, report.signal, incident, resolved)


def _signal(w: World) -> dict[str, Any]:
    return {"pk": w.signal.pk}


PRESS_POST = everyone(302)
TRIAGE_POST = by_role(302, 302, 302, 403, 403, 302)
# Only the person who pressed sees the answer to their own press.
REPORTER_PAGE = by_role(404, 404, 404, 200, 404, 302)

CASES: dict[str, list[Case]] = {
    "panic": [
        Case("GET", SIGNED_IN_PAGE),
        Case("POST", PRESS_POST, data=lambda w: {"what": "The basket is empty", "customers": "few"}),
    ],
    "status_page": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_panic": [
        Case("GET", SIGNED_IN_PAGE),
        Case("POST", PRESS_POST, data=lambda w: {}),
    ],
    "incidents_panic_me_too": [
        Case("POST", PRESS_POST, data=lambda w: {"incident": str(w.incident.pk)}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302)),
    ],
    "incidents_panic_thanks": [Case("GET", REPORTER_PAGE, kwargs=lambda w: {"pk": w.report.pk})],
    "incidents_triage": [Case("GET", OPERATOR_PAGE)],
    "incidents_triage_signal": [Case("GET", OPERATOR_PAGE, kwargs=_signal)],
    "incidents_triage_accept": [
        Case(
            "POST",
            TRIAGE_POST,
            kwargs=_signal,
            data=lambda w: {"title": "Checkout hangs", "severity": "3", "services": "checkout"},
        ),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=_signal),
    ],
    "incidents_triage_merge": [
        Case("POST", TRIAGE_POST, kwargs=_signal, data=lambda w: {"incident": str(w.incident.pk)}),
    ],
    "incidents_triage_decline": [
        Case("POST", TRIAGE_POST, kwargs=_signal, data=lambda w: {"reason": "not_a_problem", "note": "All fine."}),
    ],
    "incidents_presses": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?days=7")],
}
