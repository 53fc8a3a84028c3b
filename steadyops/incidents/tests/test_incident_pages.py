"""Incident pages: the list, declaring, an incident's page for responders and for everyone else, and its forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services as services
from steadyops.incidents.models.incidents import Incident, StatusUpdate, Subscription
from steadyops.incidents.tests.authz_incidents import MANUAL_URL, build_services, declare, plain_update
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def detail(incident: Incident) -> str:
    return reverse("incidents_detail", kwargs={"number": incident.number})


def test_it_lists_open_incidents_first_and_filters(client: Client, personas: Personas) -> None:
    storefront, payments = build_services(personas)
    old = declare(personas, [payments], title="Old problem", severity=2)
    services.change_status(actor=Actor(user=personas.admin), incident=old, status="resolved")
    declare(personas, [storefront], title="Search is slow", severity=3)
    declare(personas, [payments], title="Cards fail", severity=1)
    signed_in(client, personas.stakeholder)
    page = client.get(reverse("incidents_list")).content.decode()
    assert page.index("Cards fail") < page.index("Search is slow") < page.index("Old problem")
    assert "Declare an incident" not in page
    only = client.get(reverse("incidents_list"), {"status": "open", "service": "payments"}).content.decode()
    assert "Cards fail" in only
    assert "Old problem" not in only
    assert "Search is slow" not in only
    severe = client.get(reverse("incidents_list"), {"severity": "3"}).content.decode()
    assert "Search is slow" in severe
    assert "Cards fail" not in severe


@pytest.mark.parametrize("query", [{"status": "fixed"}, {"severity": "9"}, {"severity": "x"}, {"service": "nope"}])
def test_it_answers_400_to_bad_filters(client: Client, personas: Personas, query: dict[str, str]) -> None:
    signed_in(client, personas.viewer)
    response = client.get(reverse("incidents_list"), query)
    assert response.status_code == 400
    assert "Please correct the filters above." in response.content.decode()


def test_it_lists_in_bounded_queries(client: Client, personas: Personas, django_assert_max_num_queries: Any) -> None:
    storefront, payments = build_services(personas)
    for index in range(30):
        declare(personas, [storefront, payments], title=f"Problem {index}", severity=3)
    signed_in(client, personas.operator_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incidents_list"))
    assert response.status_code == 200
    assert response.content.decode().count("Payments, Storefront") == 25


def test_it_declares_from_the_form(client: Client, personas: Personas) -> None:
    build_services(personas)
    signed_in(client, personas.operator_b)
    response = client.post(
        reverse("incidents_declare"),
        {"title": "Cards fail", "severity": "3", "services": ["payments"], "summary": "Since 10:02."},
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(incident)
    assert (incident.title, incident.severity, incident.summary) == ("Cards fail", 3, "Since 10:02.")
    assert list(incident.services.values_list("slug", flat=True)) == ["payments"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "severity": "3"}, "title"),
        ({"title": "x" * 201, "severity": "3"}, "title"),
        ({"title": "Down", "severity": "5"}, "severity"),
        ({"title": "Down", "severity": "3", "services": ["nope"]}, "services"),
    ],
)
def test_it_refuses_bad_declarations(client: Client, personas: Personas, data: dict[str, Any], field: str) -> None:
    signed_in(client, personas.operator_a)
    response = client.post(reverse("incidents_declare"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Incident.objects.count() == 0


def test_it_shows_responders_everything(client: Client, personas: Personas) -> None:
    storefront, payments = build_services(personas)
    incident = declare(personas, [storefront, payments])
    services.post_update(
        actor=Actor(user=personas.operator_a), incident=incident, audience="technical", text="Pod restarts in eu-1."
    )
    services.add_note(actor=Actor(user=personas.operator_a), incident=incident, text="Looking at the gateway.")
    signed_in(client, personas.operator_b)
    page = client.get(detail(incident)).content.decode()
    assert "INC-1" in page
    assert "SEV3: a minor part is broken or slow; a workaround exists" in page
    assert "Pod restarts in eu-1." in page
    assert "Looking at the gateway." in page
    assert f'Owner\'s manual: <a href="{MANUAL_URL}" rel="noopener noreferrer">https:/<wbr>/<wbr>wiki' in page
    assert "Owner's manual: dir:./<wbr>docs/<wbr>manual" in page
    assert "Post an update for everyone" in page
    assert "Change status" in page


def test_it_shows_stakeholders_plain_words_first_and_no_technical_noise(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    actor = Actor(user=personas.operator_a)
    services.post_update(actor=actor, incident=incident, audience="technical", text="Pod restarts in eu-1.")
    services.add_note(actor=actor, incident=incident, text="Looking at the gateway.")
    services.change_severity(actor=actor, incident=incident, severity=4, note="Only the eu-1 pods OOM.")
    services.change_status(actor=actor, incident=incident, status="identified")
    services.post_update(
        actor=actor,
        incident=incident,
        audience="stakeholders",
        affected="Card payments",
        customers_see="An error after pressing Pay",
        tell_customers="PayPal works meanwhile.",
        next_update_by=timezone.now() + timedelta(hours=1),
    )
    signed_in(client, personas.stakeholder)
    page = client.get(detail(incident)).content.decode()
    assert "An error after pressing Pay" in page
    assert "PayPal works meanwhile." in page
    assert "Pod restarts" not in page
    assert "Looking at the gateway." not in page
    assert "OOM" not in page
    assert "Status: Investigating → Identified" in page
    assert "Operations started working on it." in page
    assert "Post an update for everyone" not in page
    assert "Change status" not in page
    assert page.index("Updates for everyone") < page.index("What happened so far")


def test_it_escapes_hostile_text(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront], title="<script>alert(1)</script>")
    services.add_note(actor=Actor(user=personas.operator_a), incident=incident, text="<img src=x onerror=alert(2)>")
    signed_in(client, personas.operator_a)
    page = client.get(detail(incident)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_it_changes_status_severity_roles_and_notes_from_the_page(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    signed_in(client, personas.operator_b)
    number = {"number": incident.number}
    assert client.post(reverse("incidents_change_status", kwargs=number), {"status": "monitoring"}).status_code == 302
    assert client.post(reverse("incidents_change_severity", kwargs=number), {"severity": "2"}).status_code == 302
    roles = {"commander": str(personas.operator_b.pk), "communications": str(personas.stakeholder.pk)}
    assert client.post(reverse("incidents_roles", kwargs=number), roles).status_code == 302
    assert client.post(reverse("incidents_note", kwargs=number), {"text": "Watching."}).status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.severity) == ("monitoring", 2)
    assert (incident.commander, incident.communications) == (personas.operator_b, personas.stakeholder)
    assert incident.mitigated_at is not None
    assert incident.timeline.filter(kind="note", text="Watching.").count() == 1


def test_it_shows_form_errors_next_to_the_fields(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    services.change_status(actor=Actor(user=personas.admin), incident=incident, status="resolved")
    signed_in(client, personas.operator_a)
    number = {"number": incident.number}
    reopen = client.post(reverse("incidents_change_status", kwargs=number), {"status": "investigating"})
    assert reopen.status_code == 400
    assert reopen.context["status_form"].errors == {
        "note": ["Say why in a note: it is needed when reopening a resolved incident."]
    }
    unknown = client.post(reverse("incidents_change_status", kwargs=number), {"status": "fixed"})
    assert unknown.status_code == 400
    assert "status" in unknown.context["status_form"].errors
    viewer_role = client.post(reverse("incidents_roles", kwargs=number), {"commander": str(personas.viewer.pk)})
    assert viewer_role.status_code == 400
    long_note = client.post(reverse("incidents_note", kwargs=number), {"text": "x" * 5001})
    assert long_note.status_code == 400
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.commander is None


def test_it_posts_a_stakeholder_update_and_tells_followers(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    services.subscribe_user(user=personas.stakeholder, incident=incident)
    signed_in(client, personas.operator_a)
    response = client.post(reverse("incidents_update", kwargs={"number": incident.number}), plain_update())
    assert response.status_code == 302
    update = StatusUpdate.objects.get()
    assert update.customers_see == "An error page after pressing Pay"
    assert update.next_update_by is not None
    assert list(
        OutboxMessage.objects.filter(event="incident.update").values_list("recipient__username", flat=True)
    ) == ["stakeholder"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"affected": ""}, "affected"),
        ({"customers_see": ""}, "customers_see"),
        ({"tell_customers": "  "}, "tell_customers"),
        ({"next_update_by": ""}, "next_update_by"),
        ({"next_update_by": "2001-01-01T10:00"}, "next_update_by"),
        ({"next_update_by": "tomorrow"}, "next_update_by"),
        ({"affected": "x" * 1001}, "affected"),
    ],
)
def test_it_refuses_incomplete_stakeholder_updates(
    client: Client, personas: Personas, overrides: dict[str, str], field: str
) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    signed_in(client, personas.operator_a)
    response = client.post(reverse("incidents_update", kwargs={"number": incident.number}), plain_update(**overrides))
    assert response.status_code == 400
    assert field in response.context["plain_form"].errors
    assert StatusUpdate.objects.count() == 0


def test_it_refuses_an_update_without_an_audience(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    signed_in(client, personas.operator_a)
    response = client.post(
        reverse("incidents_update", kwargs={"number": incident.number}), plain_update(audience="everyone")
    )
    assert response.status_code == 400
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_it_refuses_operator_actions_to_others(client: Client, personas: Personas, who: str) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    signed_in(client, getattr(personas, who))
    number = {"number": incident.number}
    posts = [
        ("incidents_change_status", {"status": "resolved"}),
        ("incidents_change_severity", {"severity": "1"}),
        ("incidents_roles", {"commander": str(personas.stakeholder.pk)}),
        ("incidents_note", {"text": "Hi"}),
        ("incidents_update", plain_update()),
    ]
    for name, data in posts:
        assert client.post(reverse(name, kwargs=number), data).status_code == 403
    assert client.get(reverse("incidents_declare")).status_code == 403
    incident.refresh_from_db()
    assert (incident.status, incident.severity, incident.commander) == ("investigating", 3, None)
    assert StatusUpdate.objects.count() == 0


def test_it_lets_anyone_follow_and_unfollow(client: Client, personas: Personas) -> None:
    storefront, _ = build_services(personas)
    incident = declare(personas, [storefront])
    signed_in(client, personas.viewer)
    number = {"number": incident.number}
    assert client.post(reverse("incidents_follow", kwargs=number)).status_code == 302
    assert client.post(reverse("incidents_follow", kwargs=number)).status_code == 302
    assert Subscription.objects.filter(user=personas.viewer, incident=incident).count() == 1
    assert "Stop following" in client.get(detail(incident)).content.decode()
    assert client.post(reverse("incidents_unfollow", kwargs=number)).status_code == 302
    assert Subscription.objects.filter(user=personas.viewer).count() == 0


def test_it_answers_404_for_an_unknown_incident(client: Client, personas: Personas) -> None:
    signed_in(client, personas.admin)
    assert client.get(reverse("incidents_detail", kwargs={"number": 999})).status_code == 404
    assert client.post(reverse("incidents_note", kwargs={"number": 999}), {"text": "x"}).status_code == 404
