from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services
from steadyops.incidents.models import Report, ReportSource, Subscription
from steadyops.incidents.tests.authz_panic import World, make_world, press
from steadyops.testing.personas import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_it_reaches_the_panic_page_at_the_short_address(world: World) -> None:
    assert reverse("panic") == "/panic"
    response = _client(world.personas.stakeholder).get("/panic")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tell ops something is broken" in page
    assert "What looks broken? (optional)" in page
    assert "Roughly how many customers? (optional)" in page
    assert 'action="/panic"' in page


def test_it_shows_the_panic_button_in_every_page_header(world: World) -> None:
    page = _client(world.personas.viewer).get(reverse("home")).content.decode()
    assert '<a class="panic-link" href="/panic"' in page


def test_it_offers_the_user_facing_services_only(world: World) -> None:
    page = _client(world.personas.stakeholder).get("/panic").content.decode()
    assert '<option value="checkout">Checkout</option>' in page
    assert '<option value="storefront">Storefront</option>' in page
    assert "I&#x27;m not sure" in page


def test_it_fills_in_the_reporters_team(world: World) -> None:
    page = _client(world.personas.stakeholder).get("/panic").content.decode()
    assert "Sent as <strong>Stakeholder</strong>, team <strong>Marketing</strong>." in page


def test_it_takes_the_button_alone(world: World) -> None:
    viewer = world.personas.viewer
    response = _client(viewer).post("/panic", {})
    report = Report.objects.get(reporter=viewer)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents_panic_thanks", kwargs={"pk": report.pk})
    assert (report.what, report.where_url, report.service, report.customers) == ("", "", None, "unknown")
    assert report.source == ReportSource.PAGE


def test_it_stores_the_details_and_the_team(world: World) -> None:
    stakeholder = world.personas.stakeholder
    response = _client(stakeholder).post(
        reverse("incidents_panic"),
        {
            "what": "  The basket empties itself  ",
            "where_url": "https://shop.example.com/basket?x=1",
            "service": "storefront",
            "customers": "many",
        },
    )
    assert response.status_code == 302
    report = Report.objects.filter(reporter=stakeholder).latest("pk")
    assert report.what == "The basket empties itself"
    assert report.where_url == "https://shop.example.com/basket?x=1"
    assert report.service == world.storefront
    assert report.customers == "many"
    assert report.team == world.personas.marketing


def test_it_answers_when_the_reporter_hears_back(world: World) -> None:
    response = _client(world.personas.stakeholder).get(
        reverse("incidents_panic_thanks", kwargs={"pk": world.report.pk})
    )
    by = timezone.localtime(world.report.created_at + timedelta(minutes=15)).strftime("%H:%M")
    page = response.content.decode()
    assert response.status_code == 200
    assert "We got it. Ops is looking." in page
    assert f"You'll hear back by <strong>{by}</strong>." in page
    assert 'href="/status"' in page


def test_it_shows_the_answer_only_to_the_reporter(world: World) -> None:
    url = reverse("incidents_panic_thanks", kwargs={"pk": world.report.pk})
    assert _client(world.personas.admin).get(url).status_code == 404
    assert _client(world.personas.viewer).get(url).status_code == 404


def test_it_shows_known_problems_first_in_plain_words(world: World) -> None:
    p = world.personas
    incident_services.post_update(
        actor=Actor(user=p.operator_a),
        incident=world.incident,
        audience="stakeholders",
        affected="Search",
        customers_see="Search takes ten seconds.",
        tell_customers="Browse the categories meanwhile.",
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    press(p.viewer, what="Payment page hangs", service=world.checkout)
    page = _client(p.operator_b).get("/panic").content.decode()
    known = page.index("Known problems right now")
    assert known < page.index("Something else?") < page.index("Tell ops something is broken")
    assert "Search is slow" in page
    assert "Ops is looking into it." in page
    assert "<strong>What customers see:</strong> Search takes ten seconds." in page
    assert "<strong>What to tell them:</strong> Browse the categories meanwhile." in page
    assert "2 people reported this since" in page
    assert page.count(">I see this too</button>") == 2
    assert "Images were missing" not in page  # resolved


def test_it_shows_no_known_problems_when_there_are_none(personas: Personas) -> None:
    page = _client(personas.stakeholder).get("/panic").content.decode()
    assert "Known problems right now" not in page
    assert "Tell ops something is broken" in page


def test_it_sees_this_too_on_a_known_incident(world: World) -> None:
    viewer = world.personas.viewer
    client = _client(viewer)
    response = client.post(reverse("incidents_panic_me_too"), {"incident": str(world.incident.pk)})
    report = Report.objects.get(reporter=viewer)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents_panic_thanks", kwargs={"pk": report.pk})
    assert report.source == ReportSource.ME_TOO
    assert report.incident == world.incident
    assert Subscription.objects.filter(user=viewer, incident=world.incident).exists()
    page = client.get(response["Location"]).content.decode()
    assert "This is a problem ops already knows about: <strong>Search is slow</strong>." in page
    panic = client.get("/panic").content.decode()
    assert "You are following this" in panic


def test_it_sees_this_too_on_a_signal_with_several_reports(world: World) -> None:
    p = world.personas
    press(p.operator_a, what="Payment page hangs", service=world.checkout)
    response = _client(p.viewer).post(reverse("incidents_panic_me_too"), {"signal": str(world.signal.pk)})
    assert response.status_code == 302
    world.signal.refresh_from_db()
    assert world.signal.report_count == 3
    assert Report.objects.get(reporter=p.viewer).signal == world.signal


def test_it_turns_away_i_see_this_too_on_a_fixed_problem(world: World) -> None:
    client = _client(world.personas.viewer)
    response = client.post(reverse("incidents_panic_me_too"), {"incident": str(world.resolved.pk)}, follow=True)
    assert response.redirect_chain == [("/panic", 302)]
    assert "Good news: that problem is already fixed." in response.content.decode()
    assert not Report.objects.filter(reporter=world.personas.viewer).exists()


def test_it_bounds_the_queries_of_the_panic_page(world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    p = world.personas
    for number in range(5):
        incident_services.declare_incident(actor=Actor(user=p.admin), title=f"Problem {number}", severity=4)
    press(p.viewer, what="Payment page hangs", service=world.checkout)
    client = _client(p.stakeholder)
    with django_assert_max_num_queries(12):
        response = client.get("/panic")
    page = response.content.decode()
    # Six open incidents to join; the stakeholder reported the busy signal already.
    assert page.count(">I see this too</button>") == 6
    assert "You reported this" in page


def test_it_sends_only_the_form_to_htmx(world: World) -> None:
    response = _client(world.personas.stakeholder).post(
        "/panic", {"where_url": "javascript:alert(1)"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.lstrip().startswith('<form method="post" action="/panic"')
    assert "<html" not in page
