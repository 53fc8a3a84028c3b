"""Demo data: a decision log of six records. The Monday release was replaced by the Tuesday one, which is linked
to the closed demo topic that decided it when that topic is in the database."""

from __future__ import annotations

from datetime import date

from django.apps import apps

from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.core import demo
from steadyops.core.actor import Actor

# The closed 0-5 topic the Tuesday release came out of (written by the topics demo).
TUESDAY_TOPIC_QUESTION = "Move the weekly release from Monday to Tuesday?"

# title, author, team, status, date, context, outcome, consequences
DECISIONS: list[tuple[str, str, str, str, date, str, str, str]] = [
    (
        "Keep the shop's data in PostgreSQL",
        "priya",
        "platform",
        "accepted",
        date(2023, 3, 14),
        "Orders, baskets and customers need transactions and a point-in-time restore. Which database holds them?",
        'Chosen option: "PostgreSQL", because it gives both, and the platform team already runs it.',
        "* Good, because backups and monitoring are the ones we have.\n* Bad, because one cluster serves everyone.",
    ),
    (
        "Release every Monday morning",
        "priya",
        "platform",
        "accepted",
        date(2023, 6, 5),
        "Releases went out whenever a team was ready, and support never knew what had changed.",
        "One release a week, on **Monday** at 10:00.",
        "Support gets one list of changes a week.",
    ),
    (
        "Release every Tuesday morning",
        "priya",
        "platform",
        "accepted",
        date(2024, 2, 20),
        "Monday releases meant fixing the weekend's problems in a rush, and support heard about the release with "
        "the customers.",
        "Release on **Tuesday** at 10:00; release notes go to support on Monday.",
        "Marketing's Monday launch emails are unaffected.",
    ),
    (
        "Checkout alerts page checkout's own on-call",
        "carlos",
        "checkout",
        "accepted",
        date(2024, 5, 2),
        "Platform on-call got most checkout pages at night and could not fix them.",
        "Checkout keeps its own weekly rotation; platform is the second step.",
        "Checkout needs at least five people on the rotation.",
    ),
    (
        "Freeze checkout and payments deploys before Black Friday",
        "mei",
        "payments",
        "proposed",
        date(2024, 10, 1),
        "The two weeks before Black Friday carry eight times the usual traffic. Should deploys stop then?",
        "Freeze checkout and payments only; marketing pages keep changing.",
        "",
    ),
    (
        "Keep a second payment provider ready",
        "mei",
        "payments",
        "proposed",
        date(2024, 11, 12),
        "All payments go through one provider; when it is down, nobody can pay.",
        "Contract a second provider and switch by configuration within ten minutes.",
        "",
    ),
]


def load(organisation: demo.DemoOrganisation) -> None:
    people, teams = organisation.people, organisation.teams
    by_title: dict[str, Decision] = {
        d.title: d for d in Decision.objects.filter(title__in=[row[0] for row in DECISIONS])
    }
    for title, author, team, status, when, context, outcome, consequences in DECISIONS:
        if title in by_title:
            continue
        by_title[title] = services.create_decision(
            actor=Actor.cli(people[author], "demo"),
            title=title,
            status=status,
            date=when,
            team=teams[team],
            context_and_problem=context,
            decision_outcome=outcome,
            consequences=consequences,
            decision_makers=teams[team].name,
        )
        organisation.count("decisions")
    monday, tuesday = by_title["Release every Monday morning"], by_title["Release every Tuesday morning"]
    if tuesday.supersedes_id is None:
        services.supersede_decision(actor=Actor.cli(people["priya"], "demo"), old=monday, new=tuesday)
    # The topics demo may load after this one: link the topic whenever it is there and not linked yet.
    try:
        topic_model = apps.get_model("consensus", "Topic")
    except LookupError:
        return
    topic = topic_model._default_manager.filter(question=TUESDAY_TOPIC_QUESTION).first()
    if topic is not None and not tuesday.topics.filter(pk=topic.pk).exists():
        tuesday.topics.add(topic)
