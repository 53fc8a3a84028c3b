"""Reminding invited people who have not voted, once per round, when the deadline is a day away."""

from datetime import timedelta

from django.utils import timezone

from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Topic
from steadyops.consensus.tasks import EVENT, send_vote_reminders
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas


def raise_topic(personas: Personas, hours: float, **kwargs: object) -> Topic:
    return services.open_topic(
        actor=Actor(user=personas.operator_a),
        question="Move the release day to Tuesday?",
        deadline=timezone.now() + timedelta(hours=hours),
        **kwargs,  # type: ignore[arg-type]
    )


def reminded() -> list[str]:
    return sorted(OutboxMessage.objects.filter(event=EVENT).values_list("recipient__username", flat=True))


def test_it_reminds_invited_people_who_have_not_voted_once_per_round(personas: Personas) -> None:
    topic = raise_topic(personas, 20, invited_teams=[personas.team_b], invited_people=[personas.stakeholder])
    services.cast_vote(actor=Actor(user=personas.stakeholder), topic=topic, value=4)
    assert send_vote_reminders() == 2
    assert reminded() == ["operator_a", "operator_b"]
    message = OutboxMessage.objects.get(recipient=personas.operator_b)
    assert message.subject == "Your vote is wanted: Move the release day to Tuesday?"
    assert f"/consensus/topics/{topic.pk}/" in message.body
    assert AuditEntry.objects.get(action="topic.remind").after == {
        "round": 1,
        "reminded": ["operator_a", "operator_b"],
    }
    # Running again (or in a second worker) sends nothing more.
    assert send_vote_reminders() == 0
    assert len(reminded()) == 2


def test_it_reminds_again_in_a_new_round(personas: Personas) -> None:
    topic = raise_topic(personas, 20, invited_people=[personas.operator_b])
    send_vote_reminders()
    services.cast_vote(actor=Actor(user=personas.operator_b), topic=topic, value=1)
    services.next_round(actor=Actor(user=personas.operator_a), topic=topic, note="Support agreed.")
    assert send_vote_reminders() == 2
    assert reminded() == ["operator_a", "operator_a", "operator_b", "operator_b"]


def test_it_waits_until_the_deadline_is_a_day_away(personas: Personas) -> None:
    raise_topic(personas, 30, invited_people=[personas.operator_b])
    assert send_vote_reminders() == 0
    assert send_vote_reminders(now=timezone.now() + timedelta(hours=7)) == 2


def test_it_reminds_nobody_on_closed_topics_past_deadlines_or_topics_open_to_everyone(personas: Personas) -> None:
    closed = raise_topic(personas, 20, invited_people=[personas.operator_b])
    services.close_topic(actor=Actor(user=personas.operator_a), topic=closed, outcome="Done.")
    raise_topic(personas, 20)  # nobody invited by name: open to everyone
    raise_topic(personas, 1, invited_people=[personas.operator_b])
    assert send_vote_reminders(now=timezone.now() + timedelta(hours=2)) == 0
    assert reminded() == []
