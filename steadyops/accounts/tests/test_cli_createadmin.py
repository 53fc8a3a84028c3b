import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steadyops.accounts.management.commands import createadmin
from steadyops.accounts.models import Role, User
from steadyops.core.models import AuditEntry
from steadyops.core.tests.test_cli_serve import run_cli

GOOD_PASSWORD = "plum-orchard-71-kettle"


@pytest.fixture
def terminal(monkeypatch):
    """Pretend to be at a terminal and answer the prompts in order."""
    answers: list[str] = []
    prompts: list[str] = []

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        if not answers:
            raise EOFError
        return answers.pop(0)

    monkeypatch.setattr(createadmin, "at_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr(createadmin.getpass, "getpass", answer)
    monkeypatch.delenv(createadmin.PASSWORD_ENV, raising=False)
    return answers, prompts


@pytest.fixture(autouse=True)
def no_password_env(monkeypatch):
    monkeypatch.delenv(createadmin.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(createadmin, "at_terminal", lambda: False)


def test_it_creates_an_administrator_from_options(db, capsys):
    call_command("createadmin", "--username", "alice", "--email", "Alice@Example.com", "--password", GOOD_PASSWORD)

    assert capsys.readouterr().out == "Created the administrator alice <alice@example.com>.\n"
    user = User.objects.get()
    assert (user.username, user.email, user.role) == ("alice", "alice@example.com", Role.ADMIN)
    assert (user.is_staff, user.is_superuser, user.is_active) == (True, True, True)
    assert user.check_password(GOOD_PASSWORD)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.object_id) == ("user.create", "system: createadmin", str(user.pk))
    assert "password" not in entry.after


def test_it_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv(createadmin.PASSWORD_ENV, GOOD_PASSWORD)

    call_command("createadmin", "--username", "alice", "--email", "alice@example.com")

    assert User.objects.get().check_password(GOOD_PASSWORD)


def test_it_asks_at_a_terminal(db, terminal, capsys):
    answers, prompts = terminal
    answers += ["bob", "bob@example.com", "short", "short", GOOD_PASSWORD, "typo", GOOD_PASSWORD, GOOD_PASSWORD]

    call_command("createadmin")

    assert prompts == ["Username: ", "Email address: "] + ["Password: ", "Password (again): "] * 3
    captured = capsys.readouterr()
    assert captured.err == (
        "Password not accepted: This password is too short. It must contain at least 10 characters.\n"
        "The two passwords differ; try again.\n"
    )
    assert captured.out == "Created the administrator bob <bob@example.com>.\n"
    assert User.objects.get(username="bob").check_password(GOOD_PASSWORD)


def test_it_stops_cleanly_when_the_prompt_is_closed(db, terminal):
    answers, _ = terminal
    answers += ["bob"]

    with pytest.raises(CommandError, match=r"^Stopped: no answer was given\.$"):
        call_command("createadmin")

    assert User.objects.count() == 0


def test_it_needs_every_value_when_not_at_a_terminal(db, capsys):
    code, out, err = run_cli(capsys, "createadmin", "--username", "alice")

    assert code == 2
    assert out == ""
    assert err == (
        "CommandError: Not at a terminal, so nothing can be asked: "
        "give --email, --password (or STEADYOPS_ADMIN_PASSWORD).\n"
    )
    assert User.objects.count() == 0


def test_it_refuses_a_duplicate_username_or_email(db, capsys):
    call_command("createadmin", "--username", "alice", "--email", "alice@example.com", "--password", GOOD_PASSWORD)

    code, _, err = run_cli(
        capsys, "createadmin", "--username", "ALICE", "--email", "other@example.com", "--password", GOOD_PASSWORD
    )
    assert (code, err) == (1, "CommandError: A person with the username 'ALICE' already exists; choose another name.\n")

    code, _, err = run_cli(
        capsys, "createadmin", "--username", "alice2", "--email", "ALICE@example.com", "--password", GOOD_PASSWORD
    )
    assert (code, err) == (
        1,
        "CommandError: Someone already uses the email address alice@example.com; choose another.\n",
    )
    assert User.objects.count() == 1
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("username", "email", "password", "message"),
    [
        (
            "a" * 10_000,
            "a@example.com",
            GOOD_PASSWORD,
            "Username not accepted: Ensure this value has at most 150 characters (it has 10000).",
        ),
        (
            "bad\x1b[31mname",
            "a@example.com",
            GOOD_PASSWORD,
            "The username contains control characters; use letters, digits and @ . + - _ only.",
        ),
        (
            "bad name",
            "a@example.com",
            GOOD_PASSWORD,
            "Username not accepted: Enter a valid username. "
            "This value may contain only letters, numbers, and @/./+/-/_ characters.",
        ),
        ("   ", "a@example.com", GOOD_PASSWORD, "Username not accepted: The username is empty."),
        ("alice", "not-an-address", GOOD_PASSWORD, "'not-an-address' is not an email address."),
        ("alice", "a@example.com\n", GOOD_PASSWORD, None),
        ("alice", "a\x00b@example.com", GOOD_PASSWORD, "'a\\x00b@example.com' is not an email address."),
        ("alice", "a@example.com", "password123", "Password not accepted: This password is too common."),
        (
            "alicewonder",
            "a@example.com",
            "alicewonder1",
            "Password not accepted: The password is too similar to the username.",
        ),
        (
            "alice",
            "a@example.com",
            "12345678901",
            "Password not accepted: This password is too common. This password is entirely numeric.",
        ),
    ],
)
def test_it_rejects_bad_values_and_writes_nothing(db, capsys, username, email, password, message):
    code, out, err = run_cli(capsys, "createadmin", "--username", username, "--email", email, "--password", password)

    if message is None:
        # Surrounding white space is trimmed, so this one is accepted.
        assert code == 0
        assert User.objects.get().email == "a@example.com"
        return
    assert code == 1
    assert out == ""
    assert err == f"CommandError: {message}\n"
    assert User.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_rejects_unknown_options_with_usage(capsys):
    code, out, err = run_cli(capsys, "createadmin", "--role", "viewer")

    assert out == ""

    assert code == 2
    assert err.startswith("usage: steadyops createadmin")
    assert err.rstrip().endswith("steadyops createadmin: error: unrecognized arguments: --role viewer")
