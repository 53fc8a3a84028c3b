"""Background work of the consensus module: reminding invited people to vote before a topic's deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from steadyops.consensus.models.topics import Ballot, Round, Topic, TopicStatus
from steadyops.consensus.topic_services import current_round, invited_voters
from steadyops.core import audit
from steadyops.core.actor import Actor
from steadyops.notify import services as notify

REMIND_BEFORE = timedelta(hours=24)
EVENT = "consensus.topic.reminder"


def send_vote_reminders(*, now: datetime | None = None) -> int:
    """Remind those invited to an open topic who have not voted in its current round, once per round, when the
    deadline is less than a day away. Returns how many people were reminded.

    Topics open to everyone send no reminders: nobody was asked by name. The round's reminded_at is set with a
    conditional UPDATE in the transaction that writes the notifications, so two workers never both remind.
    """
    now = now or timezone.now()
    due = Topic.objects.filter(
        status=TopicStatus.OPEN, deadline__gt=now, deadline__lte=now + REMIND_BEFORE
    ).select_related("created_by")
    reminded = 0
    for topic in due:
        round_ = current_round(topic)
        if round_.reminded_at is not None:
            continue
        with transaction.atomic():
            if not Round.objects.filter(pk=round_.pk, reminded_at=None).update(reminded_at=now):
                continue
            voted = Ballot.objects.filter(round=round_).values("voter_id")
            people = list(invited_voters(topic).exclude(pk__in=voted).order_by("pk"))
            link = settings.SITE_URL + reverse("consensus_topic_detail", args=[topic.pk])
            deadline = timezone.localtime(topic.deadline).strftime("%d %b %Y, %H:%M") if topic.deadline else ""
            for person in people:
                notify.notify_user(
                    user=person,
                    event=EVENT,
                    subject=f"Your vote is wanted: {topic.question}"[:200],
                    body=(
                        f"Hello {person},\n\n{topic.created_by} asked you to vote from 0 to 5 on:\n\n"
                        f"{topic.question}\n\nThe group means to decide by {deadline}. Vote here:\n{link}\n"
                    ),
                    payload={"topic": topic.pk, "round": round_.number},
                )
            audit.record(
                actor=Actor.system_actor("reminders"),
                action="topic.remind",
                obj=topic,
                after={"round": round_.number, "reminded": [person.username for person in people]},
            )
            reminded += len(people)
    return reminded


@db_periodic_task(crontab(minute="*/15"))
def remind_voters() -> None:
    send_vote_reminders()
