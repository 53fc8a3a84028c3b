import re

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.incidents import triage_services
from steadyops.incidents.models import Incident, Signal, SignalStatus
from steadyops.incidents.tests.authz_panic import World, make_world, press
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


@pytest.fixture
def operator(world: World) -> Client:
    client = Client()
    client.force_login(world.personas.operator_a)
    return client


def _url(name: str, world: World) -> str:
    return reverse(name, kwargs={"pk": world.signal.pk})


def test_it_lists_open_signals_with_who_what_where_when_and_how_many(operator: Client, world: World) -> None:
    press(world.personas.viewer, where_url="https://shop.example.com/pay", service=world.checkout, customers="few")
    page = operator.get(reverse("incidents_triage")).content.decode()
    assert "Customers say the payment page hangs" in page
    assert "<strong>Stakeholder</strong> (Marketing)" in page
    assert "Many customers" not in page
    assert "A few customers" in page
    assert "I don&#x27;t know" in page
    assert 'href="https://shop.example.com/pay"' in page
    assert "Checkout · " in page
    assert "2 reports, 0 alerts" in page
    assert f'href="{_url("incidents_triage_signal", world)}"' in page


def test_it_leaves_decided_signals_out_of_the_queue(operator: Client, world: World) -> None:
    triage_services.decline(actor=Actor(user=world.personas.operator_a), signal=world.signal, reason="user_error")
    page = operator.get(reverse("incidents_triage")).content.decode()
    assert "Nothing waits for triage." in page


def test_it_bounds_the_queries_of_the_queue(operator: Client, world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    p = world.personas
    texts = [
        "Login refuses passwords",
        "Invoices show wrong totals",
        "Newsletter images missing",
        "Delivery tracking blank",
        "Coupons rejected",
        "Wishlist vanished",
        "Reviews duplicated",
        "Maps frozen",
    ]
    people = [p.admin, p.operator_a, p.operator_b, p.viewer]
    for number, text in enumerate(texts):
        press(people[number % 4], what=text)
    assert Signal.objects.filter(status=SignalStatus.OPEN).count() == 9
    with django_assert_max_num_queries(10):
        response = operator.get(reverse("incidents_triage"))
    assert response.status_code == 200


def test_it_shows_a_signal_with_its_three_choices(operator: Client, world: World) -> None:
    page = operator.get(_url("incidents_triage_signal", world)).content.decode()
    assert "Accept: it becomes an incident" in page
    assert "Add to an open incident" in page
    assert "Decline: not an incident" in page
    assert "SEV1: customers cannot use a key part of the product (buy, sign in, pay)" in page
    assert f'<option value="{world.incident.pk}">INC-1 Search is slow</option>' in page
    assert "Images were missing" not in page  # resolved incidents are not offered
    assert re.search(r'<input type="checkbox" name="services" value="checkout"[^>]* checked>', page)
    assert not re.search(r'<input type="checkbox" name="services" value="storefront"[^>]* checked>', page)


def test_it_accepts_through_the_page(operator: Client, world: World) -> None:
    response = operator.post(
        _url("incidents_triage_accept", world),
        {"title": "Payment page hangs", "severity": "2", "services": ["checkout"]},
    )
    incident = Incident.objects.get(title="Payment page hangs")
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents_detail", kwargs={"number": incident.number})
    assert incident.severity == 2
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.ACCEPTED


def test_it_answers_409_to_a_second_accept(operator: Client, world: World) -> None:
    data = {"title": "Payment page hangs", "severity": "3"}
    assert operator.post(_url("incidents_triage_accept", world), data).status_code == 302
    again = Client()
    again.force_login(world.personas.operator_b)
    response = again.post(_url("incidents_triage_accept", world), {"title": "Another", "severity": "1"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone already decided about this: it is now “became an incident”. Nothing was changed." in page
    assert not Incident.objects.filter(title="Another").exists()
    declined = again.post(_url("incidents_triage_decline", world), {"reason": "not_a_problem"})
    assert declined.status_code == 409


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"severity": "3"}, "This field is required."),
        ({"title": "T", "severity": "9"}, "Select a valid choice."),
        ({"title": "T", "severity": "3", "services": ["nope"]}, "“nope” is not a service in the catalog."),
        ({"title": "x" * 201, "severity": "3"}, "Ensure this value has at most 200 characters"),
        ({"title": "Two\nlines", "severity": "3"}, "The title must be one line of plain text."),
    ],
)
def test_it_refuses_a_bad_accept(operator: Client, world: World, data: dict[str, object], message: str) -> None:
    response = operator.post(_url("incidents_triage_accept", world), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Incident.objects.count() == 2
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN


def test_it_merges_through_the_page(operator: Client, world: World) -> None:
    response = operator.post(_url("incidents_triage_merge", world), {"incident": str(world.incident.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents_detail", kwargs={"number": world.incident.number})
    world.signal.refresh_from_db()
    assert (world.signal.status, world.signal.incident_id) == (SignalStatus.MERGED, world.incident.pk)


@pytest.mark.parametrize("which", ["resolved", "missing", "empty", "text"])
def test_it_refuses_a_bad_merge(operator: Client, world: World, which: str) -> None:
    value = {"resolved": str(world.resolved.pk), "missing": "999999", "empty": "", "text": "INC-1"}[which]
    response = operator.post(_url("incidents_triage_merge", world), {"incident": value})
    page = response.content.decode()
    assert response.status_code == 400
    expected = {
        "resolved": f"{world.resolved.key} is resolved. Accept this as a new incident, or reopen {world.resolved.key}.",
        "missing": "There is no such incident.",
        "empty": "Choose the incident to add this to.",
        "text": "Choose an incident.",
    }[which]
    assert expected in page
    world.signal.refresh_from_db()
    assert (world.signal.status, world.signal.incident_id) == (SignalStatus.OPEN, None)


def test_it_declines_through_the_page(operator: Client, world: World) -> None:
    response = operator.post(
        _url("incidents_triage_decline", world), {"reason": "planned_maintenance", "note": "Announced on Monday."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents_triage")
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.DECLINED
    note = OutboxMessage.objects.get(recipient=world.personas.stakeholder, event="incidents.report_declined")
    assert "It was planned maintenance" in note.body
    page = operator.get(_url("incidents_triage_signal", world)).content.decode()
    assert "Looked at: not an incident" in page
    assert "Accept: it becomes an incident" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a reason: the people who pressed the button are told it."),
        ({"reason": "bored"}, "Choose one of the reasons listed here."),
        ({"reason": "user_error", "note": "n" * 2001}, "The note is too long"),
    ],
)
def test_it_refuses_a_bad_decline(operator: Client, world: World, data: dict[str, str], message: str) -> None:
    response = operator.post(_url("incidents_triage_decline", world), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN
    assert not OutboxMessage.objects.filter(event="incidents.report_declined").exists()


@pytest.mark.parametrize("who", ["stakeholder", "viewer"])
def test_it_refuses_triage_to_stakeholders_and_viewers(world: World, who: str) -> None:
    client = Client()
    client.force_login(getattr(world.personas, who))
    assert client.get(reverse("incidents_triage")).status_code == 403
    for name, data in (
        ("incidents_triage_accept", {"title": "T", "severity": "3"}),
        ("incidents_triage_merge", {"incident": str(world.incident.pk)}),
        ("incidents_triage_decline", {"reason": "not_a_problem"}),
    ):
        assert client.post(_url(name, world), data).status_code == 403
    world.signal.refresh_from_db()
    assert world.signal.status == SignalStatus.OPEN


def test_it_answers_404_for_an_unknown_signal(operator: Client) -> None:
    assert operator.get(reverse("incidents_triage_signal", kwargs={"pk": 999999})).status_code == 404
    response = operator.post(reverse("incidents_triage_decline", kwargs={"pk": 999999}), {"reason": "user_error"})
    assert response.status_code == 404
