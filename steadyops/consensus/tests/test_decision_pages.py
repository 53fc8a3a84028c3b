"""The decision log's pages: the list with its search, the form with its similar-decisions panel, the detail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import install_search_index
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas


@pytest.fixture(autouse=True)
def _search_index(db: None) -> None:
    install_search_index()


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _decision(personas: Personas, title: str, **kwargs: object) -> Decision:
    return services.create_decision(actor=Actor(user=personas.operator_a), title=title, **kwargs)  # type: ignore[arg-type]


def test_it_shows_the_create_form_with_prefill(personas: Personas) -> None:
    _decision(personas, "Use PostgreSQL for the billing database", context_and_problem="Which database for billing?")
    response = _client(personas.stakeholder).get(
        reverse("consensus_decision_create"), {"title": "Which database for the billing data", "context": "Money"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Which database for the billing data"' in html
    assert "Use PostgreSQL for the billing database" in html
    assert 'id="similar-panel"' in html


def test_it_creates_a_decision_and_audits_it(personas: Personas) -> None:
    response = _client(personas.stakeholder).post(
        reverse("consensus_decision_create"),
        {
            "title": "  Freeze deploys on Black Friday ",
            "context": "Traffic x8",
            "outcome": "Freeze",
            "status": "accepted",
        },
    )
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consensus_decision_detail", args=[decision.number])
    assert (decision.number, decision.title, decision.status) == (1, "Freeze deploys on Black Friday", "accepted")
    assert decision.context_and_problem == "Traffic x8"
    assert decision.decision_outcome == "Freeze"
    assert decision.created_by == personas.stakeholder
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["decision.create"]


def test_it_refuses_a_missing_title_and_writes_nothing(personas: Personas) -> None:
    response = _client(personas.operator_a).post(
        reverse("consensus_decision_create"), {"title": "", "status": "proposed"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Decision.objects.count() == 0


def test_it_returns_similar_decisions_as_a_fragment(personas: Personas) -> None:
    _decision(personas, "Use PostgreSQL for the billing database")
    _decision(personas, "Adopt a weekly on-call rotation")
    response = _client(personas.viewer).get(reverse("consensus_similar"), {"title": "billing database choice"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Use PostgreSQL for the billing database" in html
    assert "on-call" not in html


def test_it_links_the_board_it_came_from(personas: Personas) -> None:
    from steadyops.consensus import board_services

    board = board_services.create_board(
        actor=Actor(user=personas.operator_a), title="Deploy time", question="How do we cut deploy time?"
    )
    url = reverse("consensus_decision_create") + f"?title=Parallel+tests&board={board.pk}"
    client = _client(personas.stakeholder)
    page = client.get(url)
    assert f"This decision will be linked to: {board}." in page.content.decode()
    response = client.post(url, {"title": "Parallel tests", "status": "proposed", "board": board.pk})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert list(decision.boards.all()) == [board]
    detail = client.get(reverse("consensus_decision_detail", args=[decision.number])).content.decode()
    assert f'href="{reverse("consensus_board_detail", args=[board.pk])}"' in detail


def test_it_ignores_a_prefilled_link_to_nothing(personas: Personas) -> None:
    response = _client(personas.stakeholder).get(reverse("consensus_decision_create") + "?board=99999&topic=abc")
    assert response.status_code == 200
    assert "will be linked" not in response.content.decode()


def test_it_refuses_a_post_linking_to_a_missing_board(personas: Personas) -> None:
    response = _client(personas.stakeholder).post(
        reverse("consensus_decision_create"), {"title": "x", "status": "proposed", "board": 99999}
    )
    assert response.status_code == 400
    assert Decision.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "x" * 201, "status": "proposed"}, "Ensure this value has at most 200 characters"),
        ({"title": "ok", "status": "superseded"}, "Select a valid choice"),
        ({"title": "ok\u202eevil", "status": "proposed"}, "characters that cannot be shown"),
        ({"title": "ok", "status": "proposed", "date": "yesterday"}, "Enter a valid date"),
        ({"title": "ok", "status": "proposed", "team": "checkout"}, "Select a valid choice"),
        ({"title": "ok", "status": "proposed", "context": "x" * 100_001}, "at most 100000 characters"),
    ],
)
def test_it_explains_bad_input_next_to_the_field(personas: Personas, data: dict[str, str], message: str) -> None:
    response = _client(personas.operator_a).post(reverse("consensus_decision_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Decision.objects.count() == 0


def test_it_renders_markdown_and_strips_scripts(personas: Personas) -> None:
    decision = _decision(
        personas,
        "Hostile",
        context_and_problem="**bold** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )
    html = _client(personas.viewer).get(reverse("consensus_decision_detail", args=[decision.number])).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_lists_with_a_bounded_number_of_queries(personas: Personas, django_assert_max_num_queries: object) -> None:
    for index in range(30):
        _decision(personas, f"Decision about deploys {index}", team=personas.team_a)
    client = _client(personas.viewer)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(reverse("consensus_decision_list"))
    assert response.status_code == 200
    assert response.content.decode().count(">Decision about deploys ") == 25
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        searched = client.get(reverse("consensus_decision_list"), {"q": "deploys 7"})
    assert "Decision about deploys 7<" in searched.content.decode()
    assert "Decision about deploys 8<" not in searched.content.decode()


def test_it_filters_by_status_and_answers_htmx_with_the_results_only(personas: Personas) -> None:
    _decision(personas, "Accepted one", status="accepted")
    _decision(personas, "Proposed one")
    response = _client(personas.viewer).get(
        reverse("consensus_decision_list"), {"status": "accepted"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Accepted one" in html
    assert "Proposed one" not in html
    bad = _client(personas.viewer).get(reverse("consensus_decision_list"), {"status": "maybe"})
    assert bad.status_code == 400


def test_it_edits_a_decision(personas: Personas) -> None:
    decision = _decision(personas, "Old", team=personas.team_a)
    url = reverse("consensus_decision_edit", args=[decision.number])
    page = _client(personas.operator_a).get(url)
    assert 'value="Old"' in page.content.decode()
    response = _client(personas.operator_a).post(
        url, {"title": "New", "status": "accepted", "team": "platform", "outcome": "Do it."}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.title, decision.status, decision.decision_outcome) == ("New", "accepted", "Do it.")
    assert _client(personas.operator_b).post(url, {"title": "Hijack", "status": "accepted"}).status_code == 403
    decision.refresh_from_db()
    assert decision.title == "New"


def test_it_supersedes_and_shows_the_chain_both_ways(personas: Personas) -> None:
    first = _decision(personas, "Deploy monthly", status="accepted")
    second = _decision(personas, "Deploy weekly", status="accepted")
    third = _decision(personas, "Deploy daily")
    client = _client(personas.operator_a)
    assert client.post(reverse("consensus_decision_supersede", args=[2]), {"old": 1}).status_code == 302
    assert client.post(reverse("consensus_decision_supersede", args=[3]), {"old": 2}).status_code == 302
    second_page = client.get(reverse("consensus_decision_detail", args=[second.number])).content.decode()
    assert "Replaced by" in second_page
    assert "3. Deploy daily" in second_page
    assert "1. Deploy monthly" in second_page
    first.refresh_from_db()
    assert first.status == "superseded"
    assert third.supersedes_id is None
    third.refresh_from_db()
    assert third.supersedes == second


@pytest.mark.parametrize(
    ("old", "message"),
    [("", "This field is required."), ("999", "There is no current decision with that number."), ("abc", "")],
)
def test_it_refuses_a_bad_supersede(personas: Personas, old: str, message: str) -> None:
    _decision(personas, "One")
    response = _client(personas.operator_a).post(reverse("consensus_decision_supersede", args=[1]), {"old": old})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Decision.objects.get().supersedes_id is None


def test_it_refuses_a_decision_replacing_itself(personas: Personas) -> None:
    _decision(personas, "One")
    response = _client(personas.operator_a).post(reverse("consensus_decision_supersede", args=[1]), {"old": 1})
    assert response.status_code == 400
    assert Decision.objects.get().status == "proposed"


def test_it_withdraws_and_keeps_the_record(personas: Personas) -> None:
    decision = _decision(personas, "Typo decision")
    client = _client(personas.operator_a)
    assert client.get(reverse("consensus_decision_withdraw", args=[1])).status_code == 200
    assert client.post(reverse("consensus_decision_withdraw", args=[1])).status_code == 302
    decision.refresh_from_db()
    assert decision.withdrawn_at is not None
    assert "Typo decision" not in client.get(reverse("consensus_decision_list")).content.decode()
    assert client.get(reverse("consensus_similar"), {"title": "typo decision"}).content.decode().count("Typo") == 0
    again = client.post(reverse("consensus_decision_withdraw", args=[1]))
    assert again.status_code == 400
    assert "already withdrawn" in again.content.decode()


def test_it_refuses_viewers(personas: Personas) -> None:
    decision = _decision(personas, "Mine")
    client = _client(personas.viewer)
    assert client.get(reverse("consensus_decision_create")).status_code == 403
    assert client.post(reverse("consensus_decision_create"), {"title": "x", "status": "proposed"}).status_code == 403
    assert client.post(reverse("consensus_decision_withdraw", args=[decision.number])).status_code == 403
    assert Decision.objects.count() == 1
    assert Decision.objects.get().withdrawn_at is None


def test_it_answers_404_for_an_unknown_number(personas: Personas) -> None:
    assert _client(personas.viewer).get(reverse("consensus_decision_detail", args=[42])).status_code == 404


def test_it_never_blocks_the_similar_panel(personas: Personas) -> None:
    client = _client(personas.viewer)
    assert "Nothing similar yet" in client.get(reverse("consensus_similar")).content.decode()
    hostile = client.get(reverse("consensus_similar"), {"title": '" OR title:* NEAR(', "context": "x" * 50_000})
    assert hostile.status_code == 200
    assert "Nothing similar yet" in hostile.content.decode()
