import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steadyops.accounts.models import Membership, Role, Team, User
from steadyops.core import demo
from steadyops.core.models import AuditEntry
from steadyops.core.tests.test_cli_serve import run_cli
from steadyops.notify.models import OutboxMessage

EXPECTED_LOGINS = (
    "Demo sign-ins (password steadyops-demo):\n"
    "  administrator  admin\n"
    "  operator       priya\n"
    "  stakeholder    maria\n"
    "  viewer         victor\n"
)


def test_it_builds_the_demo_organisation(db, capsys):
    call_command("demo")

    assert capsys.readouterr().out == (
        "Demo organisation ready: 7 teams, 9 people (created 7 teams, 9 people, 7 memberships, "
        "2 systems, 7 services, 4 resources, 15 dependencies, 12 capacity figures, 4 traffic events, "
        "17,478 points of metric history, 4 headroom findings, 2 topics, 1 idea board, 11 ideas, 1 working session, "
        "6 decisions, 4 on-call rotations, 4 escalation policies, 1 on-call cover, 1 incident, 1 declined press).\n"
        + EXPECTED_LOGINS
    )
    assert list(Team.objects.filter(is_operations=True).values_list("slug", flat=True).order_by("slug")) == [
        "checkout",
        "payments",
        "platform",
        "search",
    ]
    assert list(Team.objects.filter(is_operations=False).values_list("slug", flat=True).order_by("slug")) == [
        "marketing",
        "sales",
        "support",
    ]
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": Role.ADMIN,
        "priya": Role.OPERATOR,
        "carlos": Role.OPERATOR,
        "mei": Role.OPERATOR,
        "omar": Role.OPERATOR,
        "maria": Role.STAKEHOLDER,
        "sam": Role.STAKEHOLDER,
        "sofia": Role.STAKEHOLDER,
        "victor": Role.VIEWER,
    }
    members = set(Membership.objects.values_list("team__slug", "user__username"))
    assert members == {
        ("platform", "priya"),
        ("checkout", "carlos"),
        ("payments", "mei"),
        ("search", "omar"),
        ("marketing", "maria"),
        ("sales", "sam"),
        ("support", "sofia"),
    }
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in User.objects.all())


def test_it_audits_what_it_creates(db):
    demo.load()

    first = AuditEntry.objects.order_by("id").first()
    assert (first.action, first.actor_label, first.object_repr) == ("user.create", "system: demo", "Ada Admin")
    team_entry = AuditEntry.objects.get(action="team.create", object_repr="Platform")
    assert team_entry.actor == User.objects.get(username="admin")
    assert team_entry.actor_label == "admin (via demo)"
    assert AuditEntry.objects.filter(action="user.create").count() == 9
    assert AuditEntry.objects.filter(action="team.create").count() == 7
    assert AuditEntry.objects.filter(action="team.member_add").count() == 7


def test_it_changes_nothing_when_run_twice(db, capsys):
    call_command("demo")
    counts = (User.objects.count(), Team.objects.count(), Membership.objects.count())
    audit_count = AuditEntry.objects.count()
    outbox_count = OutboxMessage.objects.count()
    capsys.readouterr()

    call_command("demo")

    assert capsys.readouterr().out == (
        "Demo organisation ready: 7 teams, 9 people (created nothing new).\n" + EXPECTED_LOGINS
    )
    assert (User.objects.count(), Team.objects.count(), Membership.objects.count()) == counts == (9, 7, 7)
    assert AuditEntry.objects.count() == audit_count
    assert OutboxMessage.objects.count() == outbox_count


def test_it_completes_a_partly_removed_demo_without_touching_what_is_left(db):
    demo.load()
    # People who voted, reported or wrote ideas cannot be deleted (their words are kept); a membership can go.
    Membership.objects.filter(user__username="sam").delete()
    priya = User.objects.get(username="priya")
    priya.set_password("a different password")
    priya.save()

    organisation = demo.load()

    assert organisation.created == {"memberships": 1}
    assert list(Membership.objects.filter(user__username="sam").values_list("team__slug", flat=True)) == ["sales"]
    assert User.objects.get(username="priya").check_password("a different password")
    assert demo.working_logins() == [("administrator", "admin"), ("stakeholder", "maria"), ("viewer", "victor")]


def test_it_runs_each_modules_contribution_once_per_load(db, monkeypatch):
    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(demo, "_contributions", {})

    @demo.contribution("example")
    def example(organisation: demo.DemoOrganisation) -> None:
        seen.append((organisation.actor.label, len(organisation.teams)))
        organisation.count("examples", 2)

    organisation = demo.load()

    assert seen == [("admin (via demo)", 7)]
    assert organisation.created["examples"] == 2


def test_it_leaves_nothing_behind_when_a_contribution_fails(db, monkeypatch):
    monkeypatch.setattr(demo, "_contributions", {})

    @demo.contribution("broken")
    def broken(organisation: demo.DemoOrganisation) -> None:
        from django.core.exceptions import ValidationError

        raise ValidationError("the example data is inconsistent")

    with pytest.raises(CommandError, match=r"^The demo could not be loaded: the example data is inconsistent$"):
        call_command("demo")

    assert User.objects.count() == 0
    assert Team.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_reports_an_account_called_admin_that_is_not_an_administrator(db):
    User.objects.create_user(username="admin", email="someone@example.org", password="x" * 12, role=Role.VIEWER)

    with pytest.raises(CommandError, match=r"^The demo could not be loaded: Only administrators can create teams\.$"):
        call_command("demo")

    assert Team.objects.count() == 0
    assert User.objects.count() == 1


def test_it_rejects_unknown_arguments(capsys):
    code, out, err = run_cli(capsys, "demo", "--teams", "3")

    assert code == 2
    assert out == ""
    assert err.startswith("usage: steadyops demo")
    assert err.rstrip().endswith("steadyops demo: error: unrecognized arguments: --teams 3")
