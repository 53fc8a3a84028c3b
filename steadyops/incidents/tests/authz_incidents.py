"""Who may reach each incident URL, and the world those URLs need (also used by the incident tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from steadyops.catalog import services as catalog
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.incidents import incident_services
from steadyops.incidents.models.incidents import Incident, Subscription
from steadyops.testing.authz import API_READ, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas

MANUAL_URL = "https://wiki.example.com/storefront/manual#emergency"


@dataclass
class World:
    personas: Personas
    storefront: Service  # platform (team_a), manual at a web address
    payments: Service  # checkout (team_b), manual in the repository
    incident: Incident  # SEV3 on storefront, declared by operator_a
    team_subscription: Subscription  # platform's subscription to everything


def build_services(personas: Personas) -> tuple[Service, Service]:
    admin = Actor(user=personas.admin)
    storefront = catalog.create_service(
        actor=admin, name="Storefront", slug="storefront", owner=personas.team_a, user_facing=True
    )
    Service.objects.filter(pk=storefront.pk).update(manual_location=MANUAL_URL)
    storefront.refresh_from_db()
    payments = catalog.create_service(actor=admin, name="Payments", slug="payments", owner=personas.team_b)
    Service.objects.filter(pk=payments.pk).update(manual_location="dir:./docs/manual")
    payments.refresh_from_db()
    return storefront, payments


def declare(personas: Personas, services: list[Service], **overrides: Any) -> Incident:
    fields: dict[str, Any] = {"title": "Customers cannot pay by card", "severity": 3, "services": services}
    fields.update(overrides)
    return incident_services.declare_incident(actor=Actor(user=personas.operator_a), **fields)


def make_world(personas: Personas) -> World:
    storefront, payments = build_services(personas)
    incident = declare(personas, [storefront])
    team_subscription = incident_services.subscribe(actor=Actor(user=personas.admin), scope="all", team=personas.team_a)
    return World(personas, storefront, payments, incident, team_subscription)


def plain_update(**overrides: Any) -> dict[str, str]:
    """The form fields of a stakeholder update, next update in an hour."""
    next_by = timezone.localtime(timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "audience": "stakeholders",
        "affected": "Paying by card on the web shop",
        "customers_see": "An error page after pressing Pay",
        "tell_customers": "We know and are fixing it; PayPal works.",
        "next_update_by": next_by,
    }
    data.update(overrides)
    return data


def _number(w: World) -> dict[str, Any]:
    return {"number": w.incident.number}


OPERATOR_POST = by_role(302, 302, 302, 403, 403, 302)
OPERATOR_PAGE = by_role(200, 200, 200, 403, 403, 302)
OPERATOR_API = by_role(200, 200, 200, 403, 403, 401)
OPERATOR_API_CREATE = by_role(201, 201, 201, 403, 403, 401)

CASES: dict[str, list[Case]] = {
    "incidents_list": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?status=open&severity=3")],
    "incidents_declare": [
        Case("GET", OPERATOR_PAGE),
        Case("POST", OPERATOR_POST, data=lambda w: {"title": "Search is down", "severity": "4"}),
    ],
    "incidents_status_page": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_metrics": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_subscriptions": [
        Case("GET", SIGNED_IN_PAGE),
        Case("POST", everyone(302), data=lambda w: {"who": "me", "scope": "severity", "max_severity": "2"}),
    ],
    "incidents_subscription_delete": [
        Case("POST", by_role(404, 302, 404, 404, 404, 302), kwargs=lambda w: {"pk": w.team_subscription.pk}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=lambda w: {"pk": w.team_subscription.pk}),
    ],
    "incidents_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_number)],
    "incidents_change_status": [
        Case("POST", OPERATOR_POST, kwargs=_number, data=lambda w: {"status": "identified"}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=_number),
    ],
    "incidents_change_severity": [Case("POST", OPERATOR_POST, kwargs=_number, data=lambda w: {"severity": "4"})],
    "incidents_roles": [
        Case("POST", OPERATOR_POST, kwargs=_number, data=lambda w: {"commander": str(w.personas.operator_b.pk)})
    ],
    "incidents_note": [Case("POST", OPERATOR_POST, kwargs=_number, data=lambda w: {"text": "Card provider slow."})],
    "incidents_update": [Case("POST", OPERATOR_POST, kwargs=_number, data=lambda w: plain_update())],
    "incidents_follow": [Case("POST", everyone(302), kwargs=_number)],
    "incidents_unfollow": [Case("POST", everyone(302), kwargs=_number)],
    # API
    "api:incidents_incidents": [
        Case("GET", API_READ, json=True),
        Case("POST", OPERATOR_API_CREATE, json=True, data=lambda w: {"title": "Search is down", "severity": 4}),
    ],
    "api:incidents_incident": [Case("GET", API_READ, json=True, kwargs=_number)],
    "api:incidents_incident_status": [
        Case("POST", OPERATOR_API, json=True, kwargs=_number, data=lambda w: {"status": "identified"})
    ],
    "api:incidents_incident_severity": [
        Case("POST", OPERATOR_API, json=True, kwargs=_number, data=lambda w: {"severity": 4})
    ],
    "api:incidents_incident_roles": [
        Case("POST", OPERATOR_API, json=True, kwargs=_number, data=lambda w: {"scribe": "operator_b"})
    ],
    "api:incidents_incident_timeline": [Case("GET", API_READ, json=True, kwargs=_number)],
    "api:incidents_incident_notes": [
        Case("POST", OPERATOR_API_CREATE, json=True, kwargs=_number, data=lambda w: {"text": "Card provider slow."})
    ],
    "api:incidents_incident_updates": [
        Case("GET", API_READ, json=True, kwargs=_number),
        Case(
            "POST",
            OPERATOR_API_CREATE,
            json=True,
            kwargs=_number,
            data=lambda w: {"audience": "technical", "text": "Restarted the card gateway."},
        ),
    ],
    "api:incidents_subscriptions": [
        Case("GET", API_READ, json=True),
        Case("POST", everyone(201, anonymous=401), json=True, data=lambda w: {"scope": "severity", "max_severity": 2}),
    ],
    "api:incidents_subscription": [
        Case(
            "DELETE",
            by_role(404, 204, 404, 404, 404, 401),
            json=True,
            kwargs=lambda w: {"subscription_id": w.team_subscription.pk},
        )
    ],
    "api:incidents_metrics": [Case("GET", API_READ, json=True)],
}
