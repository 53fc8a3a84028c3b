"""Intake API: panic reports, and alert webhooks from Alertmanager or any monitoring system.

    POST /api/v1/incidents/reports                  a panic report (session or token, scope write)
    POST /api/v1/incidents/alerts/alertmanager      Alertmanager webhook, payload version 4 (token, scope alerts)
    POST /api/v1/incidents/alerts/generic           one alert or {"alerts": [...]} (token, scope alerts)

Overload answers 503 with Retry-After on the alert webhooks (Alertmanager retries a 5xx and drops a 429); a person
pressing too often gets 429 with Retry-After and words that say their report is already in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from steadyops.accounts import scopes
from steadyops.api.auth import TokenAuth, scoped
from steadyops.api.errors import ApiError, error_response, field_error
from steadyops.api.schemas import NO_NUL, InputSchema
from steadyops.catalog.models import Service
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.incidents import intake_services
from steadyops.incidents.alertmanager import PayloadError, decode, parse_alertmanager, parse_generic
from steadyops.incidents.models.signals import AlertSource, Customers
from steadyops.incidents.ratelimit import RateLimited

router = Router(tags=["incidents"])

Text = Annotated[str, StringConstraints(max_length=intake_services.WHAT_MAX, pattern=NO_NUL)]
Url = Annotated[str, StringConstraints(max_length=intake_services.URL_MAX, pattern=NO_NUL)]
Area = Annotated[str, StringConstraints(max_length=intake_services.AREA_MAX, pattern=NO_NUL)]
ServiceSlug = Annotated[str, StringConstraints(max_length=50, pattern=r"^[-a-zA-Z0-9_]*$")]


class ReportIn(InputSchema):
    what: Text = Field("", description="What looks broken, in the reporter's words.")
    where_url: Url = Field("", description="The address where it looks broken (http:// or https://).")
    service: ServiceSlug = Field("", description="The service's slug, when the reporter knows it.")
    product_area: Area = Field("", description="A product area from the catalog (checkout, sign-in, …).")
    customers: Customers = Field(Customers.UNKNOWN, description="Roughly how many customers: one, few, many, unknown.")


class ReportOut(Schema):
    id: int
    message: str = Field(description="The acknowledgement to show the reporter.")
    answer_by: datetime = Field(description="When the reporter will hear back at the latest.")


class AlertsOut(Schema):
    received: int = Field(description="Distinct alerts in the payload.")
    created: int = Field(description="Alerts seen for the first time.")
    updated: int = Field(description="Known alerts whose status changed (firing or resolved).")
    resolved_signals: int = Field(description="Signals resolved because all their alerts resolved.")


def _limited(refused: RateLimited, status: int) -> HttpResponse:
    response = error_response(status, refused.message, details={"retry_after": refused.retry_after})
    response["Retry-After"] = str(refused.retry_after)
    return response


@router.post("/reports", response={201: ReportOut}, url_name="incidents_reports", auth=scoped())
def create_report(request: HttpRequest, payload: ReportIn) -> Status | HttpResponse:
    """Press the panic button: report that something looks broken. Anyone signed in may; each person may press
    5 times in 10 minutes (429 with Retry-After past that; the first reports are kept)."""
    service = None
    if payload.service:
        service = Service.objects.filter(slug=payload.service, archived_at=None).first()
        if service is None:
            message = f"There is no service {payload.service!r}; leave it empty if unsure."
            raise ApiError(422, f"service: {message}", details=[field_error("service", message, "body")])
    try:
        report = intake_services.record_report(
            actor=Actor.of_request(request),
            what=payload.what,
            where_url=payload.where_url,
            service=service,
            product_area=payload.product_area,
            customers=payload.customers,
            source="api",
        )
    except RateLimited as refused:
        return _limited(refused, 429)
    return Status(
        201,
        {
            "id": report.pk,
            "message": intake_services.acknowledgement(report),
            "answer_by": intake_services.answer_by(report.created_at),
        },
    )


_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
    }
}


def _receive(request: HttpRequest, source: str) -> dict[str, int] | HttpResponse:
    actor = Actor.of_request(request)
    if not permissions.can_send_alerts(actor.user):
        raise ApiError(403, "Only tokens of operators and administrators may send alerts.")
    try:
        data = decode(request.body)
        payload = parse_alertmanager(data) if source == AlertSource.ALERTMANAGER else parse_generic(data)
    except PayloadError as bad:
        raise ApiError(400, str(bad)) from None
    try:
        result = intake_services.receive_alerts(actor=actor, payload=payload, source=source)
    except RateLimited as refused:
        return _limited(refused, 503)
    return {
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "resolved_signals": result.resolved_signals,
    }


@router.post(
    "/alerts/alertmanager",
    response=AlertsOut,
    url_name="incidents_alerts_alertmanager",
    auth=[TokenAuth(scopes.ALERTS)],
    openapi_extra=_WEBHOOK_BODY,
)
def alertmanager_webhook(request: HttpRequest) -> dict[str, int] | HttpResponse:
    """Prometheus Alertmanager's webhook (payload version "4"). Idempotent: a resend changes nothing; resolved
    alerts resolve their rows. At most 1,000 alerts per request; unknown fields are ignored."""
    return _receive(request, AlertSource.ALERTMANAGER)


@router.post(
    "/alerts/generic",
    response=AlertsOut,
    url_name="incidents_alerts_generic",
    auth=[TokenAuth(scopes.ALERTS)],
    openapi_extra=_WEBHOOK_BODY,
)
def generic_webhook(request: HttpRequest) -> dict[str, int] | HttpResponse:
    """Any monitoring system: {"title", "severity" (critical|warning|info), "service", "product_area",
    "fingerprint" or "dedup_key", "status" (firing|resolved), "details", "starts_at"}, or {"alerts": [...]}."""
    return _receive(request, AlertSource.GENERIC)
