"""Raising topics, voting, rounds, closing: the rules the pages and the API share."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Ballot, Round, Topic, TopicStatus, Vote
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas


def raise_topic(personas: Personas, **kwargs: object) -> Topic:
    defaults: dict[str, object] = {"question": "Move the release day to Tuesday?"}
    return services.open_topic(actor=Actor(user=personas.operator_a), **{**defaults, **kwargs})  # type: ignore[arg-type]


def vote(user: object, topic: Topic, value: int, reason: str = "") -> Vote:
    return services.cast_vote(actor=Actor(user=user), topic=topic, value=value, reason=reason)  # type: ignore[arg-type]


def test_it_opens_a_topic_with_its_first_round_and_audits_it(personas: Personas) -> None:
    topic = raise_topic(personas, context="We *ship* on Mondays.", invited_teams=[personas.team_b])
    assert topic.status == TopicStatus.OPEN
    assert list(topic.rounds.values_list("number", flat=True)) == [1]
    entry = AuditEntry.objects.get(action="topic.open")
    assert entry.actor == personas.operator_a
    assert entry.after is not None
    assert entry.after["question"] == "Move the release day to Tuesday?"
    assert entry.after["invited_teams"] == ["checkout"]


def test_it_refuses_viewers_raising_topics(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.open_topic(actor=Actor(user=personas.viewer), question="Anything?")
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 201}, "question"),
        ({"question": "Tab\tin a question"}, "question"),
        ({"context": "x" * 10_001}, "context"),
        ({"context": "nul\x00"}, "context"),
        ({"rule": "most"}, "rule"),
        ({"quorum": 0}, "quorum"),
        ({"quorum": 10_001}, "quorum"),
    ],
)
def test_it_refuses_bad_setup_and_writes_nothing(personas: Personas, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        raise_topic(personas, **kwargs)
    assert field in caught.value.message_dict
    assert not Topic.objects.exists()
    assert not Round.objects.exists()


def test_it_refuses_a_deadline_in_the_past(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        raise_topic(personas, deadline=timezone.now() - timedelta(minutes=1))
    assert caught.value.message_dict["deadline"] == ["The deadline has passed; choose a time in the future."]


def test_it_keeps_topics_only_for_teams_one_belongs_to(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        raise_topic(personas, team=personas.team_b)
    assert caught.value.message_dict["team"] == ["You can only keep a topic for a team you belong to."]
    assert raise_topic(personas, team=personas.team_a).team == personas.team_a
    admin_topic = services.open_topic(actor=Actor(user=personas.admin), question="Q?", team=personas.team_b)
    assert admin_topic.team == personas.team_b


def test_it_refuses_to_invite_viewers(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        raise_topic(personas, invited_people=[personas.viewer])
    assert "cannot vote" in caught.value.message_dict["invited_people"][0]


def test_it_counts_a_vote_once_per_round(personas: Personas) -> None:
    topic = raise_topic(personas)
    cast = vote(personas.operator_b, topic, 4)
    assert (cast.value, cast.voter, cast.round.number) == (4, personas.operator_b, 1)
    with pytest.raises(services.TopicConflict) as caught:
        vote(personas.operator_b, topic, 5)
    assert caught.value.messages == [services.ALREADY_VOTED]
    assert list(Vote.objects.values_list("value", flat=True)) == [4]
    assert AuditEntry.objects.get(action="topic.vote").after == {"round": 1, "value": 4, "reason": ""}


@pytest.mark.parametrize("value", [-1, 6, 100, True, "4", 4.0])
def test_it_refuses_values_outside_0_to_5(personas: Personas, value: object) -> None:
    topic = raise_topic(personas)
    with pytest.raises(ValidationError) as caught:
        vote(personas.operator_b, topic, value)  # type: ignore[arg-type]
    assert caught.value.message_dict == {"value": ["Choose a value from 0 to 5."]}
    assert not Vote.objects.exists()
    assert not Ballot.objects.exists()


def test_it_needs_a_reason_for_a_block(personas: Personas) -> None:
    topic = raise_topic(personas)
    with pytest.raises(ValidationError) as caught:
        vote(personas.operator_b, topic, 0, "   ")
    assert caught.value.message_dict == {"reason": ["A block (0) needs a reason: say what you need changed."]}
    assert vote(personas.operator_b, topic, 0, "Support is off on Tuesdays.").reason == "Support is off on Tuesdays."


def test_it_refuses_an_oversized_reason(personas: Personas) -> None:
    topic = raise_topic(personas)
    with pytest.raises(ValidationError) as caught:
        vote(personas.operator_b, topic, 2, "x" * 2001)
    assert "longer than 2,000 characters" in caught.value.message_dict["reason"][0]


def test_it_refuses_votes_from_viewers_and_uninvited_people(personas: Personas) -> None:
    topic = raise_topic(personas, invited_teams=[personas.team_b], invited_people=[personas.stakeholder])
    with pytest.raises(PermissionDenied, match="Viewers"):
        vote(personas.viewer, topic, 4)
    with pytest.raises(PermissionDenied, match="not invited"):
        vote(personas.admin, topic, 4)
    vote(personas.operator_b, topic, 4)  # through team_b
    vote(personas.stakeholder, topic, 3)  # by name
    vote(personas.operator_a, topic, 5)  # raised it
    assert Vote.objects.count() == 3


def test_it_lets_everyone_who_takes_part_vote_when_nobody_is_invited(personas: Personas) -> None:
    topic = raise_topic(personas)
    for person in (personas.admin, personas.operator_b, personas.stakeholder):
        vote(person, topic, 4)
    assert Vote.objects.count() == 3
    assert services.invited_count(topic) is None


def test_it_refuses_votes_after_close(personas: Personas) -> None:
    topic = raise_topic(personas)
    services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="We stay on Mondays.")
    with pytest.raises(services.TopicConflict, match="closed"):
        vote(personas.operator_b, topic, 4)
    assert not Vote.objects.exists()


def test_it_keeps_anonymous_votes_without_a_voter(personas: Personas) -> None:
    topic = raise_topic(personas, anonymous=True)
    cast = vote(personas.operator_b, topic, 0, "Too risky.")
    cast.refresh_from_db()
    assert cast.voter is None
    assert cast.created_at is None
    assert Ballot.objects.get().voter == personas.operator_b
    entry = AuditEntry.objects.get(action="topic.vote")
    assert entry.object_type == "consensus.ballot"
    assert entry.after == {"round": 1}
    with pytest.raises(services.TopicConflict):
        vote(personas.operator_b, topic, 5)
    result = services.round_result(topic, services.current_round(topic))
    assert [(block.voter, block.reason) for block in result.blocks] == [(None, "Too risky.")]


def _edit(personas: Personas, topic: Topic, **changes: object) -> Topic:
    values: dict[str, object] = {
        "question": topic.question,
        "context": topic.context,
        "team": topic.team,
        "invited_people": [],
        "invited_teams": [],
        "deadline": None,
        "rule": topic.rule,
        "quorum": topic.quorum,
        "anonymous": topic.anonymous,
    }
    return services.edit_topic(actor=Actor(user=personas.operator_a), topic=topic, **{**values, **changes})  # type: ignore[arg-type]


def test_it_never_makes_an_anonymous_topic_public(personas: Personas) -> None:
    topic = raise_topic(personas, anonymous=True)
    with pytest.raises(ValidationError) as caught:
        _edit(personas, topic, anonymous=False)
    assert caught.value.message_dict["anonymous"] == [services.ANONYMOUS_FOR_GOOD]
    topic.refresh_from_db()
    assert topic.anonymous is True


def test_it_lets_the_topic_change_until_the_first_vote(personas: Personas) -> None:
    topic = raise_topic(personas)
    _edit(personas, topic, question="Move the release day to Wednesday?", anonymous=True)
    topic.refresh_from_db()
    assert (topic.question, topic.anonymous) == ("Move the release day to Wednesday?", True)
    vote(personas.operator_b, topic, 4)
    with pytest.raises(services.TopicConflict, match="People have voted"):
        _edit(personas, topic, question="Something else?")
    with pytest.raises(PermissionDenied):
        services.edit_topic(
            actor=Actor(user=personas.operator_b),
            topic=topic,
            question="Mine now?",
            context="",
            team=None,
            invited_people=[],
            invited_teams=[],
            deadline=None,
            rule="practice",
            quorum=None,
            anonymous=True,
        )


def test_it_hides_results_until_one_has_voted_or_the_topic_is_closed(personas: Personas) -> None:
    topic = raise_topic(personas)
    round_ = services.current_round(topic)
    assert not services.may_see_results(personas.operator_a, topic, round_)
    vote(personas.operator_b, topic, 4)
    assert services.may_see_results(personas.operator_b, topic, round_)
    assert not services.may_see_results(personas.operator_a, topic, round_)
    assert not services.may_see_results(personas.viewer, topic, round_)
    topic = services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="Tuesday it is.")
    assert services.may_see_results(personas.viewer, topic, round_)


def test_it_opens_another_round_and_keeps_the_earlier_one(personas: Personas) -> None:
    topic = raise_topic(personas)
    with pytest.raises(services.TopicConflict, match="Nobody has voted in round 1"):
        services.next_round(actor=Actor(user=personas.operator_a), topic=topic, note="Changed.")
    vote(personas.operator_b, topic, 1, "Support is off on Tuesdays.")
    with pytest.raises(ValidationError) as caught:
        services.next_round(actor=Actor(user=personas.operator_a), topic=topic, note=" ")
    assert "note" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.next_round(actor=Actor(user=personas.operator_b), topic=topic, note="Mine.")
    second = services.next_round(actor=Actor(user=personas.operator_a), topic=topic, note="Support covers Tuesdays.")
    assert second.number == 2
    assert Round.objects.get(topic=topic, number=1).closed_at is not None
    assert not services.may_see_results(personas.operator_b, topic, second)
    vote(personas.operator_b, topic, 5)
    assert sorted(Vote.objects.values_list("round__number", "value")) == [(1, 1), (2, 5)]


def test_it_lets_team_members_run_a_topic_kept_for_their_team(personas: Personas) -> None:
    topic = services.open_topic(actor=Actor(user=personas.admin), question="Q?", team=personas.team_a)
    vote(personas.operator_b, topic, 4)
    services.next_round(actor=Actor(user=personas.operator_a), topic=topic, note="Clarified.")
    with pytest.raises(PermissionDenied):
        services.close_topic(actor=Actor(user=personas.stakeholder), topic=topic, outcome="No.")


def test_it_needs_an_outcome_to_close(personas: Personas) -> None:
    topic = raise_topic(personas)
    with pytest.raises(ValidationError) as caught:
        services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="  ")
    assert caught.value.message_dict == {
        "outcome": ["Write down the outcome: what the group agreed, or why it stopped here."]
    }
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN
    closed = services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="Tuesday.")
    assert (closed.status, closed.outcome, closed.closed_by) == (TopicStatus.CLOSED, "Tuesday.", personas.operator_a)
    with pytest.raises(services.TopicConflict, match="already closed"):
        services.close_topic(actor=Actor(user=personas.operator_a), topic=topic, outcome="Again.")


def test_it_archives_a_topic_once(personas: Personas) -> None:
    topic = raise_topic(personas)
    services.archive_topic(actor=Actor(user=personas.operator_a), topic=topic)
    services.archive_topic(actor=Actor(user=personas.operator_a), topic=topic)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.ARCHIVED
    assert AuditEntry.objects.filter(action="topic.archive").count() == 1
    with pytest.raises(services.TopicConflict):
        vote(personas.operator_b, topic, 4)


def test_it_tallies_a_round_with_its_rule(personas: Personas) -> None:
    topic = raise_topic(personas, quorum=2)
    round_ = services.current_round(topic)
    vote(personas.operator_b, topic, 4)
    assert services.round_tally(topic, round_).verdict == "no_quorum"
    vote(personas.stakeholder, topic, 5)
    result = services.round_tally(topic, round_)
    assert (result.verdict, result.counts) == ("move_on", (0, 0, 0, 0, 1, 1))


@pytest.mark.parametrize(("value", "reason"), [(6, "x"), (0, "")])
def test_it_has_database_checks_on_votes(personas: Personas, value: int, reason: str) -> None:
    round_ = services.current_round(raise_topic(personas))
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(round=round_, value=value, reason=reason, voter=personas.operator_b)


def test_it_renders_markdown_without_scripts() -> None:
    html = services.render_markdown(
        "# Plan\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> **bold**"
    )
    assert "<h1>Plan</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html
    assert "href=" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
