"""The internal status page: what sales and support read before they call, in plain words."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents.models.incidents import Incident
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db

JARGON = re.compile(r"SEV\d|INC-\d|investigating|identified|monitoring|mitigat|severity|incident\b", re.IGNORECASE)


def board(client: Client) -> str:
    """The status board alone, as htmx refreshes it (without the site's menu)."""
    response = client.get(reverse("incidents_status_page"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_it_says_all_systems_normal_when_nothing_is_open(client: Client, personas: Personas) -> None:
    client.force_login(personas.stakeholder)
    page = board(client)
    assert "All systems normal" in page
    assert "Nothing was broken in the last 7 days." in page


def test_it_shows_open_problems_in_plain_words(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], title="Customers cannot pay by card", severity=1)
    next_by = timezone.now() + timedelta(minutes=40)
    services.post_update(
        actor=Actor(user=personas.operator_a),
        incident=incident,
        audience="stakeholders",
        affected="Card payments on the web shop",
        customers_see="An error page after pressing Pay",
        tell_customers="We know and are fixing it; PayPal works.",
        next_update_by=next_by,
    )
    services.post_update(
        actor=Actor(user=personas.operator_a), incident=incident, audience="technical", text="PSP timeouts in eu-1."
    )
    client.force_login(personas.stakeholder)
    page = board(client)
    assert "There is one problem right now." in page
    assert "Customers cannot pay by card" in page
    assert "We are looking for the cause." in page
    assert "Major problem: customers cannot use a key part of the product." in page
    assert "An error page after pressing Pay" in page
    assert "We know and are fixing it; PayPal works." in page
    assert timezone.localtime(next_by).strftime("%H:%M") in page
    assert "PSP timeouts" not in page
    assert "All systems normal" not in page
    assert JARGON.findall(text_of(page)) == []


def test_it_promises_a_first_update_before_there_is_one(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], title="Search is slow", severity=3)
    client.force_login(personas.viewer)
    page = board(client)
    due = timezone.localtime(incident.next_update_due_at).strftime("%H:%M")  # type: ignore[arg-type]
    assert "Operations is on it. The first update for everyone comes by" in page
    assert due in page
    assert JARGON.findall(text_of(page)) == []


def test_it_lists_what_was_fixed_in_the_last_seven_days(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    actor = Actor(user=personas.operator_a)
    recent = declare(personas, [storefront], title="Images were missing")
    services.change_status(actor=actor, incident=recent, status="resolved")
    old = declare(personas, [storefront], title="Old outage")
    services.change_status(actor=actor, incident=old, status="resolved")
    Incident.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    client.force_login(personas.stakeholder)
    page = board(client)
    assert "All systems normal" in page
    assert "Images were missing" in page
    assert "Old outage" not in page


def test_it_escapes_hostile_update_text(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], title="<b>Bold</b> title")
    services.post_update(
        actor=Actor(user=personas.operator_a),
        incident=incident,
        audience="stakeholders",
        affected="<script>alert(1)</script>",
        customers_see="x",
        tell_customers="y",
        next_update_by=timezone.now() + timedelta(hours=1),
    )
    client.force_login(personas.stakeholder)
    page = board(client)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in page


def test_it_renders_the_whole_page_for_a_phone(client: Client, personas: Personas) -> None:
    client.force_login(personas.stakeholder)
    page = client.get(reverse("incidents_status_page")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "Is everything working?" in page
    assert 'hx-trigger="every 60s"' in page


def test_it_reads_in_bounded_queries(client: Client, personas: Personas, django_assert_max_num_queries: Any) -> None:
    storefront, payments = build_services(personas)
    actor = Actor(user=personas.operator_a)
    for index in range(12):
        incident = declare(personas, [storefront, payments], title=f"Problem {index}")
        services.post_update(
            actor=actor,
            incident=incident,
            audience="stakeholders",
            affected="Shop",
            customers_see=f"Error {index}",
            tell_customers="Wait",
            next_update_by=timezone.now() + timedelta(hours=1),
        )
        if index % 2:
            services.change_status(actor=actor, incident=incident, status="resolved")
    client.force_login(personas.stakeholder)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("incidents_status_page")).content.decode()
    assert "There are 6 problems right now." in page
