"""Demo data: an idea board on cutting night-time pages, after top-five voting (one duplicate merged, six
voters, a shared place in the results), and the working session that settled the paging rules afterwards."""

from __future__ import annotations

from steadyops.consensus import board_services, session_services
from steadyops.consensus.models.boards import BoardStage, IdeaBoard, WorkingSession
from steadyops.core import demo
from steadyops.core.actor import Actor

BOARD_TITLE = "Fewer pages at night"
BOARD_QUESTION = "How do we cut pages at night?"

# key, author, text; the keys name ideas below.
IDEAS: list[tuple[str, str, str]] = [
    ("disk", "priya", "Send disk-space warnings to the day shift; page at night only when a disk is over 95% full."),
    ("group", "carlos", "Group the alerts of one incident into a single page instead of one page per host."),
    ("retries", "mei", "Stop paging for payment-provider timeouts that succeed on retry within five minutes."),
    ("owner", "omar", "Give every alert an owning team, and delete alerts nobody claims within a month."),
    ("status", "sofia", "Let support check the status page before they call the on-call engineer."),
    ("campaigns", "maria", "Tell ops about campaign launches a week ahead, so night-time traffic peaks are expected."),
    ("partners", "sam", "Move partner batch imports from 2 a.m. to office hours."),
    (
        "backups",
        "carlos",
        "Run the nightly database backup after the checkout peak, so it stops tripping latency alerts.",
    ),
    ("one-page", "omar", "One page per incident, not one per host."),
    ("review", "priya", "Every Monday, look at last week's night pages and fix the noisiest one."),
    ("manual", "mei", "Link each page to the service's owner's manual, so whoever is woken knows what to do."),
]
MERGES = [("one-page", "group")]
SHORTLIST = ["disk", "group", "retries", "owner", "campaigns", "backups", "review"]
# group 6, disk 5, review 4, retries and owner 3 (=4), campaigns and backups 2 (=6).
VOTES: dict[str, list[str]] = {
    "priya": ["disk", "group", "owner", "review", "backups"],
    "carlos": ["group", "backups", "retries", "review", "disk"],
    "mei": ["retries", "group", "disk", "review"],
    "omar": ["group", "owner", "disk", "review", "retries"],
    "maria": ["campaigns", "group", "disk"],
    "sofia": ["group", "campaigns", "owner"],
}

SESSION_TITLE = "Night paging rules for the platform team"
SESSION_PURPOSE = "Work out the details of the board's top ideas, so the on-call rota can change next month."
SESSION_PEOPLE = ["carlos", "mei", "omar"]
CONFLICTS: list[tuple[str, str]] = [
    (
        "Should disk-space warnings page anyone at night?",
        "Only when a disk is over 95% full or fills faster than 5% an hour. Everything else goes to the day "
        "shift's queue.",
    ),
    (
        "Who is paged when an alert has no owning team?",
        "Platform's on-call person, who names an owner the next working day. Alerts still unowned after a month "
        "are deleted.",
    ),
    (
        "Do payment-provider timeouts that succeed on retry count as incidents?",
        "No, unless more than 2% of payments fail for five minutes in a row. Payments owns that alert.",
    ),
]
RECORD = """## What we agreed

1. **Disk space** pages at night only above 95% full, or when a disk fills faster than 5% an hour.
2. **Alerts without an owner** go to platform's on-call person, who names an owner the next working day.
   Alerts nobody claims within a month are deleted.
3. **Retried payment timeouts** are not incidents unless more than 2% of payments fail for five minutes.

## Next steps

- Priya changes the disk alert rules this week.
- Mei moves the payment-timeout alert to the payments team.
- We look at the night pages again in four weeks.
"""


def _board(organisation: demo.DemoOrganisation) -> None:
    if IdeaBoard.objects.filter(title=BOARD_TITLE).exists():
        return
    people = organisation.people

    def actor(username: str) -> Actor:
        return Actor.cli(people[username], "demo")

    runner = actor("priya")
    board = board_services.create_board(
        actor=runner,
        title=BOARD_TITLE,
        question=BOARD_QUESTION,
        description="Night pages wake people for things that could wait until morning. What would you change?",
        team=organisation.teams["platform"],
    )
    ideas = {key: board_services.add_idea(actor=actor(author), board=board, text=text) for key, author, text in IDEAS}
    for source, target in MERGES:
        board_services.merge_ideas(actor=runner, board=board, source=ideas[source], target=ideas[target])
    board_services.move_board(actor=runner, board=board, stage=BoardStage.SHORTLISTING)
    board_services.set_shortlist(actor=runner, board=board, idea_ids={ideas[key].pk for key in SHORTLIST})
    board_services.move_board(actor=runner, board=board, stage=BoardStage.VOTING)
    for voter, keys in VOTES.items():
        for key in keys:
            board_services.vote(actor=actor(voter), board=board, idea=ideas[key])
    board_services.move_board(actor=runner, board=board, stage=BoardStage.CLOSED)
    organisation.count("idea boards")
    organisation.count("ideas", len(IDEAS))


def _session(organisation: demo.DemoOrganisation) -> None:
    if WorkingSession.objects.filter(title=SESSION_TITLE).exists():
        return
    runner = Actor.cli(organisation.people["priya"], "demo")
    session = session_services.create_session(
        actor=runner,
        title=SESSION_TITLE,
        purpose=SESSION_PURPOSE,
        team=organisation.teams["platform"],
        participants=[organisation.people[username] for username in SESSION_PEOPLE],
    )
    for description, resolution in CONFLICTS:
        conflict = session_services.add_conflict(actor=runner, session=session, description=description)
        session_services.update_conflict(
            actor=runner, conflict=conflict, description=description, resolution=resolution, resolved=True
        )
    session_services.write_record(actor=runner, session=session, record=RECORD)
    session_services.mark_recorded(actor=runner, session=session)
    organisation.count("working sessions")


def load_boards(organisation: demo.DemoOrganisation) -> None:
    """The night-pages idea board, closed after top-five voting, and its recorded working session."""
    _board(organisation)
    _session(organisation)
