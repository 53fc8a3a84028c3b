"""Demo data: two 0-5 topics. One the group moved on from (most at 4 or 5), closed with its outcome; one still
open that needs more discussion (most at 0 to 3), with marketing's block and its reason."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from steadyops.consensus import topic_services as services
from steadyops.consensus.models.topics import Topic
from steadyops.core import demo
from steadyops.core.actor import Actor

MOVED_ON = "Move the weekly release from Monday to Tuesday?"
MORE_DISCUSSION = "Freeze all deploys for the two weeks before Black Friday?"

# username, value, reason
MOVED_ON_VOTES = [
    ("carlos", 5, "Mondays are when checkout sees the weekend's bugs; Tuesday gives us a day to fix them first."),
    ("mei", 4, ""),
    ("omar", 4, ""),
    ("maria", 4, "Fine for marketing as long as launch emails still go out on Monday."),
    ("sofia", 3, "Support would like the release notes by Monday evening."),
    ("priya", 5, ""),
]
MORE_DISCUSSION_VOTES = [
    (
        "maria",
        0,
        "Our Black Friday landing pages change every day in those two weeks; a full freeze would stop them. "
        "Freeze the checkout and payments, not the marketing pages.",
    ),
    ("sam", 2, "Partners expect their integrations to go live before the sale."),
    ("sofia", 3, ""),
    ("mei", 3, "Payments wants the freeze, but two weeks is long."),
    ("priya", 4, ""),
]


def load(organisation: demo.DemoOrganisation) -> None:
    people, teams = organisation.people, organisation.teams
    if not Topic.objects.filter(question=MOVED_ON).exists():
        topic = services.open_topic(
            actor=Actor.cli(people["priya"], "demo"),
            question=MOVED_ON,
            context=(
                "We release every **Monday** morning. Problems found over the weekend are then fixed in a rush, "
                "and support hears about the release at the same time as customers.\n\n"
                "Proposal: release on **Tuesday** at 10:00, with release notes to support on Monday."
            ),
            team=teams["platform"],
            invited_teams=[teams["platform"], teams["checkout"], teams["payments"], teams["search"]],
            invited_people=[people["maria"], people["sofia"]],
        )
        for username, value, reason in MOVED_ON_VOTES:
            services.cast_vote(actor=Actor.cli(people[username], "demo"), topic=topic, value=value, reason=reason)
        services.close_topic(
            actor=Actor.cli(people["priya"], "demo"),
            topic=topic,
            outcome=(
                "From next month we release on Tuesdays at 10:00. Release notes go to support by Monday 17:00; "
                "marketing's launch emails stay on Mondays."
            ),
        )
        organisation.count("topics")
    if not Topic.objects.filter(question=MORE_DISCUSSION).exists():
        topic = services.open_topic(
            actor=Actor.cli(people["carlos"], "demo"),
            question=MORE_DISCUSSION,
            context=(
                "Last year a Friday deploy broke the basket for 40 minutes on Black Friday. Checkout proposes no "
                "deploys at all from two weeks before until the Monday after."
            ),
            team=teams["checkout"],
            invited_teams=[teams["checkout"], teams["payments"], teams["platform"], teams["marketing"]],
            invited_people=[people["sam"], people["sofia"]],
            deadline=timezone.now() + timedelta(days=5),
        )
        for username, value, reason in MORE_DISCUSSION_VOTES:
            services.cast_vote(actor=Actor.cli(people[username], "demo"), topic=topic, value=value, reason=reason)
        organisation.count("topics")
