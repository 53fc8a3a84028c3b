"""The working-session pages: list, start, conflicts, the record, and marking it written down."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.consensus import session_services as services
from steadyops.consensus.models.boards import Conflict, SessionStatus, WorkingSession
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _session(personas: Personas, title: str = "Paging rules") -> WorkingSession:
    return services.create_session(actor=Actor(user=personas.operator_a), title=title, team=personas.team_a)


def test_it_lists_sessions_with_bounded_queries(personas: Personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(10):
        session = _session(personas, f"Session {n}")
        services.add_conflict(actor=Actor(user=personas.operator_a), session=session, description="Point")
    client = _client(personas.viewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("consensus_session_list"))
    assert response.status_code == 200
    assert response.content.decode().count("0 of 1") == 10


def test_it_starts_a_session_from_the_form(personas: Personas) -> None:
    response = _client(personas.stakeholder).post(
        reverse("consensus_session_create"),
        {"title": "Launch checklist", "team": "marketing", "participants": ["operator_a"]},
    )
    session = WorkingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consensus_session_detail", args=[session.pk])
    assert set(session.participants.values_list("username", flat=True)) == {"stakeholder", "operator_a"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"title": "T", "participants": ["nobody"]}, "Select a valid choice"),
        ({"title": "T", "team": "checkout"}, "Select a valid choice"),
    ],
)
def test_it_refuses_a_bad_session_form(personas: Personas, data: dict[str, object], message: str) -> None:
    response = _client(personas.stakeholder).post(reverse("consensus_session_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WorkingSession.objects.exists()


def test_it_refuses_viewers_starting_a_session(personas: Personas) -> None:
    assert _client(personas.viewer).get(reverse("consensus_session_create")).status_code == 403


def test_it_adds_a_conflict_through_htmx(personas: Personas) -> None:
    session = _session(personas)
    response = _client(personas.operator_a).post(
        reverse("consensus_session_conflict_add", args=[session.pk]), {"description": "<b>Who</b> is paged?"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="conflicts"')
    assert "&lt;b&gt;Who&lt;/b&gt; is paged?" in body
    assert Conflict.objects.get().description == "<b>Who</b> is paged?"


def test_it_refuses_an_empty_conflict(personas: Personas) -> None:
    session = _session(personas)
    response = _client(personas.operator_a).post(
        reverse("consensus_session_conflict_add", args=[session.pk]), {"description": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Conflict.objects.exists()


def test_it_refuses_conflicts_from_others(personas: Personas) -> None:
    session = _session(personas)
    for user in (personas.operator_b, personas.stakeholder, personas.viewer):
        response = _client(user).post(
            reverse("consensus_session_conflict_add", args=[session.pk]), {"description": "Mine"}
        )
        assert response.status_code == 403
    assert not Conflict.objects.exists()


def test_it_works_out_a_conflict(personas: Personas) -> None:
    session = _session(personas)
    conflict = services.add_conflict(actor=Actor(user=personas.operator_a), session=session, description="Point")
    url = reverse("consensus_session_conflict_edit", args=[session.pk, conflict.pk])
    client = _client(personas.operator_a)
    response = client.post(url, {"description": "Point", "resolution": "", "resolved": "on"})
    assert response.status_code == 400
    assert "Write down the details worked out" in response.content.decode()
    response = client.post(url, {"description": "Point", "resolution": "Agreed: day shift.", "resolved": "on"})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.resolved) == ("Agreed: day shift.", True)


def test_it_answers_404_for_a_conflict_of_another_session(personas: Personas) -> None:
    session = _session(personas)
    other = _session(personas, "Other")
    conflict = services.add_conflict(actor=Actor(user=personas.operator_a), session=other, description="Point")
    url = reverse("consensus_session_conflict_edit", args=[session.pk, conflict.pk])
    assert _client(personas.operator_a).get(url).status_code == 404


def test_it_writes_the_record_and_renders_it_safely(personas: Personas) -> None:
    session = _session(personas)
    client = _client(personas.operator_a)
    response = client.post(
        reverse("consensus_session_record", args=[session.pk]),
        {"record": "## Outcome\n\n- **Day shift** takes disk alerts\n\n<script>alert(1)</script>"},
    )
    assert response.status_code == 302
    body = client.get(reverse("consensus_session_detail", args=[session.pk])).content.decode()
    assert "<h2>Outcome</h2>" in body
    assert "<strong>Day shift</strong>" in body
    assert "<script>alert(1)</script>" not in body


def test_it_refuses_an_oversized_record(personas: Personas) -> None:
    session = _session(personas)
    response = _client(personas.operator_a).post(
        reverse("consensus_session_record", args=[session.pk]), {"record": "x" * 20001}
    )
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.record == ""


def test_it_marks_the_session_written_down_and_offers_a_decision(personas: Personas) -> None:
    session = _session(personas)
    client = _client(personas.operator_a)
    response = client.post(reverse("consensus_session_mark_recorded", args=[session.pk]))
    assert response.status_code == 422
    assert "Write the record before" in response.content.decode()
    services.write_record(actor=Actor(user=personas.operator_a), session=session, record="We agreed.")
    response = client.post(reverse("consensus_session_mark_recorded", args=[session.pk]))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.RECORDED
    body = _client(personas.viewer).get(reverse("consensus_session_detail", args=[session.pk])).content.decode()
    link = f"{reverse('consensus_decision_create')}?title={quote('Paging rules', safe='/')}&amp;session={session.pk}"
    assert f'href="{link}"' in body
    assert "Mark as written down" not in body


def test_it_offers_no_decision_link_before_the_record_is_final(personas: Personas) -> None:
    session = _session(personas)
    body = _client(personas.operator_a).get(reverse("consensus_session_detail", args=[session.pk])).content.decode()
    assert "Record as a decision" not in body
    assert "Mark as written down" in body
