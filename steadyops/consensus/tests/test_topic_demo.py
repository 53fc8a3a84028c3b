"""The demo's topics: one the group moved on from, one that needs more discussion; loading twice adds nothing."""

import pytest

from steadyops.consensus import demo_topics, topic_services
from steadyops.consensus.models.topics import Topic, TopicStatus, Vote
from steadyops.core import demo


@pytest.fixture
def organisation(db) -> demo.DemoOrganisation:  # type: ignore[no-untyped-def]
    # Only this contribution: the others are tested by their own modules.
    built = demo._people_and_teams()
    demo_topics.load(built)
    return built


def test_it_builds_a_closed_topic_that_moved_on(organisation: demo.DemoOrganisation) -> None:
    topic = Topic.objects.get(question=demo_topics.MOVED_ON)
    assert topic.team is not None
    assert (topic.status, topic.created_by.username, topic.team.slug) == (TopicStatus.CLOSED, "priya", "platform")
    assert topic.outcome.startswith("From next month we release on Tuesdays")
    tally = topic_services.round_tally(topic, topic_services.current_round(topic))
    assert (tally.verdict, tally.counts) == ("move_on", (0, 0, 0, 1, 3, 2))


def test_it_builds_an_open_topic_that_needs_more_discussion(organisation: demo.DemoOrganisation) -> None:
    topic = Topic.objects.get(question=demo_topics.MORE_DISCUSSION)
    assert topic.status == TopicStatus.OPEN
    tally = topic_services.round_tally(topic, topic_services.current_round(topic))
    assert (tally.verdict, tally.blocks) == ("more_discussion", 1)
    block = Vote.objects.get(round__topic=topic, value=0)
    assert block.voter is not None
    assert (block.voter.username, block.reason.startswith("Our Black Friday landing pages")) == ("maria", True)


def test_it_changes_nothing_when_loaded_again(organisation: demo.DemoOrganisation) -> None:
    counts = (Topic.objects.count(), Vote.objects.count())
    again = demo._people_and_teams()
    demo_topics.load(again)
    assert (Topic.objects.count(), Vote.objects.count()) == counts == (2, 11)
    assert "topics" not in again.created
