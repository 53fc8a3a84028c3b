"""The topic pages: list, raise a topic, vote, see results, open rounds, close."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.consensus import board_services
from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Topic, TopicStatus, Vote
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def raise_topic(personas: Personas, **kwargs: object) -> Topic:
    defaults: dict[str, object] = {"question": "Move the release day to Tuesday?", "team": personas.team_a}
    return services.open_topic(actor=Actor(user=personas.operator_a), **{**defaults, **kwargs})  # type: ignore[arg-type]


def detail(topic: Topic) -> str:
    return reverse("consensus_topic_detail", args=[topic.pk])


def test_it_lists_open_topics_first_and_filters(personas: Personas) -> None:
    old_open = raise_topic(personas, question="Old open question?")
    closed = raise_topic(personas, question="Closed question?")
    services.close_topic(actor=Actor(user=personas.operator_a), topic=closed, outcome="Done.")
    services.open_topic(actor=Actor(user=personas.stakeholder), question="Stakeholder question?")
    client = client_for(personas.operator_a)
    page = client.get(reverse("consensus_topic_list"))
    assert [t.question for t in page.context["page"].object_list] == ["Stakeholder question?", "Old open question?"]
    page = client.get(reverse("consensus_topic_list"), {"show": "closed"})
    assert [t.question for t in page.context["page"].object_list] == ["Closed question?"]
    page = client.get(reverse("consensus_topic_list"), {"show": "mine"})
    assert [t.question for t in page.context["page"].object_list] == ["Old open question?", "Closed question?"]
    page = client.get(reverse("consensus_topic_list"), {"show": "all"})
    assert [t.pk for t in page.context["page"].object_list][-1] == closed.pk
    assert old_open.question in page.content.decode()
    assert client.get(reverse("consensus_topic_list"), {"show": "<script>"}).status_code == 400


def test_it_lists_a_page_of_topics_in_a_bounded_number_of_queries(
    personas: Personas, django_assert_max_num_queries: object
) -> None:
    for number in range(30):
        raise_topic(personas, question=f"Question {number}?", invited_teams=[personas.team_b])
    client = client_for(personas.stakeholder)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(reverse("consensus_topic_list"))
    assert len(response.context["page"].object_list) == 20
    assert "Page 1 of 2" in response.content.decode()


def test_it_raises_a_topic_from_the_form(personas: Personas) -> None:
    board = board_services.create_board(
        actor=Actor(user=personas.stakeholder), title="Launch ideas", question="How do we launch?"
    )
    client = client_for(personas.stakeholder)
    response = client.post(
        reverse("consensus_topic_create"),
        {
            "question": "Announce launches a week earlier?",
            "context": "Support needs *time* to prepare.",
            "invited_teams": [personas.team_a.pk, personas.marketing.pk],
            "invited_people": [personas.operator_b.pk],
            "deadline": "2099-05-01T17:00",
            "rule": "everyone_3",
            "quorum": "3",
            "anonymous": "on",
            "board": str(board.pk),
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(topic)
    assert (topic.created_by, topic.rule, topic.quorum, topic.anonymous) == (
        personas.stakeholder,
        "everyone_3",
        3,
        True,
    )
    assert topic.from_board_id == board.pk
    assert sorted(topic.invited_teams.values_list("slug", flat=True)) == ["marketing", "platform"]
    assert topic.deadline is not None
    assert topic.deadline.year == 2099


def test_it_prefills_the_form_from_a_link(personas: Personas) -> None:
    client = client_for(personas.stakeholder)
    response = client.get(
        reverse("consensus_topic_create"),
        {"question": "Black Friday banner", "context": "From the board", "board": "7"},
    )
    html = response.content.decode()
    assert 'value="Black Friday banner"' in html
    assert "From the board</textarea>" in html
    assert 'name="board" value="7"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": ""}, "This field is required."),
        ({"question": "x" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
        ({"question": "Q?", "context": "x" * 10_001}, "Ensure this value has at most 10000 characters"),
        ({"question": "Q?", "quorum": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"question": "Q?", "deadline": "2001-01-01T10:00"}, "The deadline has passed; choose a time in the future."),
        ({"question": "Q?", "rule": "most"}, "Select a valid choice."),
        ({"question": "Q?", "invited_teams": ["999999"]}, "Select a valid choice."),
    ],
)
def test_it_refuses_a_bad_topic_and_writes_nothing(personas: Personas, data: dict[str, str], message: str) -> None:
    response = client_for(personas.operator_a).post(reverse("consensus_topic_create"), {"rule": "practice", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Topic.objects.exists()


def test_it_raises_the_topic_without_a_board_that_does_not_exist(personas: Personas) -> None:
    response = client_for(personas.operator_a).post(
        reverse("consensus_topic_create"), {"question": "Q?", "rule": "practice", "board": "424242"}
    )
    assert response.status_code == 302
    assert Topic.objects.get().from_board_id is None


def test_it_refuses_viewers_the_form(personas: Personas) -> None:
    response = client_for(personas.viewer).post(reverse("consensus_topic_create"), {"question": "Q?"})
    assert response.status_code == 403
    assert not Topic.objects.exists()


def test_it_shows_hostile_text_escaped_and_markdown_safely(personas: Personas) -> None:
    topic = raise_topic(
        personas,
        question='<script>alert("q")</script>',
        context='**Bold** <script>alert(1)</script> <a href="javascript:alert(1)">x</a>',
    )
    html = client_for(personas.viewer).get(detail(topic)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;" in html
    assert "<strong>Bold</strong>" in html
    assert '<a href="javascript' not in html


def test_it_hides_results_until_one_votes_then_shows_the_verdict(personas: Personas) -> None:
    topic = raise_topic(personas)
    for person, value, reason in (
        (personas.admin, 0, "Support is off on Tuesdays."),
        (personas.operator_b, 2, "Tuesday clashes with our deploys."),
        (personas.operator_a, 4, ""),
    ):
        services.cast_vote(actor=Actor(user=person), topic=topic, value=value, reason=reason)
    client = client_for(personas.stakeholder)
    html = client.get(detail(topic)).content.decode()
    assert "Results appear once you have voted" in html
    assert "Needs more discussion" not in html
    assert "I block this: I need changes" in html  # the choices, with their labels
    response = client.post(reverse("consensus_topic_vote", args=[topic.pk]), {"value": "3"})
    assert response.status_code == 302
    html = client.get(detail(topic)).content.decode()
    assert "Needs more discussion: 3 of 4 votes (75%) are 0 to 3." in html
    assert "<strong>Admin</strong>: Support is off on Tuesdays." in html
    assert "Tuesday clashes with our deploys." in html
    assert '<rect width="25" height="14"' in html
    assert "You have voted in this round." in html
    assert "style=" not in html


def test_it_shows_blocks_without_names_on_anonymous_topics(personas: Personas) -> None:
    topic = raise_topic(personas, anonymous=True)
    services.cast_vote(actor=Actor(user=personas.operator_b), topic=topic, value=0, reason="Too risky.")
    html = client_for(personas.operator_b).get(detail(topic)).content.decode()
    assert "<strong>Someone</strong>: Too risky." in html
    assert "Operator B</strong>" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "7"}, "Choose a value from 0 to 5."),
        ({"value": "-1"}, "Choose a value from 0 to 5."),
        ({"value": "four"}, "Choose a value from 0 to 5."),
        ({}, "Choose a value from 0 to 5."),
        ({"value": "0"}, "A block (0) needs a reason: say what you need changed."),
        ({"value": "3", "reason": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_it_refuses_bad_votes_on_the_page(personas: Personas, data: dict[str, str], message: str) -> None:
    topic = raise_topic(personas)
    response = client_for(personas.operator_b).post(reverse("consensus_topic_vote", args=[topic.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Vote.objects.exists()


def test_it_refuses_a_second_vote_and_votes_after_close(personas: Personas) -> None:
    topic = raise_topic(personas)
    client = client_for(personas.operator_b)
    url = reverse("consensus_topic_vote", args=[topic.pk])
    assert client.post(url, {"value": "4"}).status_code == 302
    response = client.post(url, {"value": "5"})
    assert response.status_code == 409
    assert "You have voted in this round." in response.content.decode()
    services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="Tuesday.")
    response = client_for(personas.stakeholder).post(url, {"value": "5"})
    assert response.status_code == 409
    assert "This topic is closed; it no longer takes votes." in response.content.decode()
    assert list(Vote.objects.values_list("value", flat=True)) == [4]


def test_it_refuses_uninvited_people_and_viewers(personas: Personas) -> None:
    topic = raise_topic(personas, invited_teams=[personas.team_b])
    url = reverse("consensus_topic_vote", args=[topic.pk])
    assert client_for(personas.stakeholder).post(url, {"value": "4"}).status_code == 403
    assert client_for(personas.viewer).post(url, {"value": "4"}).status_code == 403
    html = client_for(personas.stakeholder).get(detail(topic)).content.decode()
    assert "you are not among those invited to vote" in html
    assert not Vote.objects.exists()


def test_it_opens_a_round_and_closes_with_an_outcome(personas: Personas) -> None:
    topic = raise_topic(personas)
    services.cast_vote(actor=Actor(user=personas.operator_b), topic=topic, value=1, reason="")
    client = client_for(personas.operator_a)
    response = client.post(reverse("consensus_topic_next_round", args=[topic.pk]), {"note": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert (
        client.post(reverse("consensus_topic_next_round", args=[topic.pk]), {"note": "Support agreed."}).status_code
        == 302
    )
    assert topic.rounds.count() == 2
    response = client.post(reverse("consensus_topic_close", args=[topic.pk]), {"outcome": "   "})
    assert response.status_code == 400
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN
    response = client.post(reverse("consensus_topic_close", args=[topic.pk]), {"outcome": "Tuesday & later."})
    assert response.status_code == 302
    html = client.get(detail(topic)).content.decode()
    link = (
        f"{reverse('consensus_decision_create')}?topic={topic.pk}&amp;title={quote('Move the release day to Tuesday?')}"
        f"&amp;outcome={quote('Tuesday & later.')}"
    )
    assert link in html
    assert "Record this as a decision" in html
    assert "Round 1" in html
    assert "Support agreed." in html


def test_it_refuses_closing_to_people_who_do_not_run_the_topic(personas: Personas) -> None:
    topic = raise_topic(personas)
    response = client_for(personas.operator_b).post(reverse("consensus_topic_close", args=[topic.pk]), {"outcome": "x"})
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN


def test_it_keeps_an_anonymous_topic_anonymous_when_edited(personas: Personas) -> None:
    topic = raise_topic(personas, anonymous=True)
    response = client_for(personas.operator_a).post(
        reverse("consensus_topic_edit", args=[topic.pk]), {"question": "Changed?", "rule": "practice"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.question, topic.anonymous) == ("Changed?", True)


def test_it_refuses_editing_after_the_first_vote(personas: Personas) -> None:
    topic = raise_topic(personas)
    services.cast_vote(actor=Actor(user=personas.operator_b), topic=topic, value=4)
    response = client_for(personas.operator_a).post(
        reverse("consensus_topic_edit", args=[topic.pk]), {"question": "Changed?", "rule": "practice"}
    )
    assert response.status_code == 409
    assert "People have voted, so the topic can no longer be changed." in response.content.decode()
    topic.refresh_from_db()
    assert topic.question == "Move the release day to Tuesday?"


def test_it_answers_404_for_a_missing_topic(personas: Personas) -> None:
    assert client_for(personas.admin).get(reverse("consensus_topic_detail", args=[999999])).status_code == 404
