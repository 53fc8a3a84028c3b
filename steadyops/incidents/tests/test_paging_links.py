"""Signed acknowledge/resolve links: valid, tampered, forged, expired, reused, wrong action; GET never acts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from steadyops.core.actor import Actor
from steadyops.incidents import incident_services
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.incidents import TimelineEntry
from steadyops.incidents.models.oncall import Page, PageLinkUse, PageState
from steadyops.incidents.tests.authz_incidents import build_services, declare
from steadyops.incidents.tests.authz_oncall import build_policy, build_rotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(personas) -> Page:
    rotation = build_rotation(personas, members=[personas.operator_a])
    build_policy(personas, [services.StepInput(wait_minutes=5, rotation=rotation)], repeat=1)
    created = services.page_now(
        actor=Actor(user=personas.admin), reason="Checkout errors", policy=rotation.team.escalation_policies.get()
    )
    return created


def _path(link: str) -> str:
    return urlsplit(link).path


def test_it_asks_to_confirm_on_get_and_acts_only_on_post(personas, page):
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a))
    client = Client()
    shown = client.get(link)
    assert shown.status_code == 200
    assert b"Yes, I'm on it (stop paging)" in shown.content
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE
    done = client.post(link)
    assert done.status_code == 200
    assert b"Thank you: you are on it" in done.content
    page.refresh_from_db()
    assert page.state == PageState.ACKNOWLEDGED
    assert page.acknowledged_by == personas.operator_a


def test_it_resolves_once_and_says_already_done_on_reuse(personas, page):
    link = _path(services.signed_link(page, "resolve", personas.operator_a))
    client = Client()
    assert b"Marked resolved" in client.post(link).content
    again = client.post(link)
    assert again.status_code == 200
    assert b"Already done" in again.content
    assert PageLinkUse.objects.filter(page=page, action="resolve").count() == 1
    page.refresh_from_db()
    assert page.state == PageState.RESOLVED
    assert page.resolved_by == personas.operator_a


def test_resolving_a_page_says_its_incident_is_still_open(personas):
    rotation = build_rotation(personas, members=[personas.operator_a])
    policy = build_policy(personas, [services.StepInput(wait_minutes=5, rotation=rotation)], repeat=1)
    incident = declare(personas, build_services(personas)[:1])
    by_link = services.page_now(actor=Actor(user=personas.admin), reason="Checkout", policy=policy, incident=incident)
    on_page = services.page_now(actor=Actor(user=personas.admin), reason="Checkout", policy=policy, incident=incident)
    done = Client().post(_path(services.signed_link(by_link, "resolve", personas.operator_a)))
    assert b"INC-1 is still open: resolve it on its page once customers are fine." in done.content
    client = Client()
    client.force_login(personas.operator_a)
    answered = client.post(f"/incidents/oncall/pages/{on_page.pk}/resolve/", follow=True)
    assert [str(m) for m in answered.context["messages"]] == [
        "The page is marked resolved; nobody else will be paged for it. "
        "INC-1 is still open: resolve it on its page once customers are fine."
    ]
    incident.refresh_from_db()
    assert incident.is_open


def test_it_refuses_a_tampered_link(personas, page):
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    payload, _, signature = token.rpartition(":")
    forged = f"/incidents/page-action/acknowledge/{payload}:{signature[:-2]}xx/"
    for method in ("get", "post"):
        response = getattr(Client(), method)(forged)
        assert response.status_code == 404
        assert b"This link is not valid" in response.content
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE


def test_it_refuses_a_link_signed_with_another_salt(personas, page):
    data = {"p": page.pk, "u": personas.operator_a.pk, "a": "resolve", "n": "abc", "e": 2**40}
    token = signing.dumps(data, salt="something else")
    response = Client().post(f"/incidents/page-action/resolve/{token}/")
    assert response.status_code == 404
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE


def test_it_refuses_a_link_for_another_action(personas, page):
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a))
    wrong = link.replace("/acknowledge/", "/resolve/")
    response = Client().post(wrong)
    assert response.status_code == 400
    assert b"different action" in response.content
    unknown = Client().post(link.replace("/acknowledge/", "/delete/"))
    assert unknown.status_code == 404
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE


def test_it_says_clearly_when_a_link_expired(personas, page):
    old = timezone.now() - services.LINK_MAX_AGE - timedelta(minutes=1)
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a, now=old))
    response = Client().post(link)
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE


def test_it_refuses_a_link_of_someone_who_can_no_longer_sign_in(personas, page):
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a))
    personas.operator_a.is_active = False
    personas.operator_a.save()
    assert Client().post(link).status_code == 404


def test_it_refuses_an_oversized_token(page):
    response = Client().get(f"/incidents/page-action/acknowledge/{'a' * 600}/")
    assert response.status_code == 404


def test_it_acknowledges_the_incident_and_says_so_on_its_timeline(personas):
    rotation = build_rotation(personas, members=[personas.operator_a])
    build_policy(personas, [services.StepInput(wait_minutes=5, rotation=rotation)])
    incident = incident_services.declare_incident(actor=Actor(user=personas.admin), title="Checkout down", severity=1)
    page = Page.objects.get(incident=incident)
    assert TimelineEntry.objects.filter(incident=incident, kind="page", text__startswith="Paged Operator A").exists()
    link = _path(services.signed_link(page, "acknowledge", personas.operator_a))
    assert Client().post(link).status_code == 200
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert TimelineEntry.objects.filter(incident=incident, text__startswith="Acknowledged by Operator A").exists()


def test_it_writes_exhaustion_on_the_incident_timeline(personas):
    build_policy(personas, [services.StepInput(wait_minutes=5, user=personas.operator_a)])
    incident = incident_services.declare_incident(actor=Actor(user=personas.admin), title="Checkout down", severity=2)
    page = Page.objects.get(incident=incident)
    assert services.run_due_pages(page.created_at + timedelta(minutes=5)) == 1
    page.refresh_from_db()
    assert page.state == PageState.EXHAUSTED
    entry = TimelineEntry.objects.filter(incident=incident, text__startswith="Nobody answered").get()
    assert entry.text == "Nobody answered the page after 1 round(s); told Operator A."


def test_it_lets_an_operator_answer_from_the_page_detail(personas, page):
    client = Client()
    client.force_login(personas.operator_b)
    response = client.post(f"/incidents/oncall/pages/{page.pk}/acknowledge/")
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.acknowledged_by == personas.operator_b
    again = client.post(f"/incidents/oncall/pages/{page.pk}/acknowledge/", follow=True)
    assert b"already done" in again.content


def test_it_refuses_the_page_detail_buttons_to_stakeholders(personas, page):
    client = Client()
    client.force_login(personas.stakeholder)
    assert client.post(f"/incidents/oncall/pages/{page.pk}/resolve/").status_code == 403
    page.refresh_from_db()
    assert page.state == PageState.ACTIVE
