import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from steadyops.accounts.models import ApiToken, hash_token
from steadyops.accounts.services import authenticate_token
from steadyops.core.models import AuditEntry
from steadyops.core.tests.test_cli_serve import run_cli


def test_it_creates_a_token_and_prints_only_its_secret(personas, capsys):
    code, out, err = run_cli(
        capsys,
        "token",
        "create",
        "--user",
        "operator_a",
        "--scope",
        "read",
        "--scope",
        "write",
        "--name",
        "deploy pipeline",
    )

    assert (code, err) == (0, "")
    secret = out.rstrip("\n")
    assert out == secret + "\n"
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(secret)
    assert (token.user, token.name, token.scopes) == (personas.operator_a, "deploy pipeline", ["read", "write"])
    assert authenticate_token(secret) == token
    entry = AuditEntry.objects.get(action="token.create")
    assert (entry.actor, entry.actor_label) == (personas.operator_a, "operator_a (via cli)")


def test_it_names_the_token_after_the_command_line_by_default(personas, capsys):
    call_command("token", "create", "--user", "admin", "--scope", "all")

    assert ApiToken.objects.get().name == "command line"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--scope", "read"], "Nobody has the username 'nobody'."),
        (["--user", "x" * 10_000, "--scope", "read"], "Nobody has the username '" + "x" * 150 + "'."),
        (
            ["--user", "operator_a", "--scope", "deploy"],
            "Unknown scope: deploy. Known scopes: all, read, write, alerts.",
        ),
        (["--user", "operator_a", "--scope", "all"], "Only administrators may hold a token with the scope 'all'."),
        (
            ["--user", "operator_a", "--scope", "read", "--name", "n" * 10_000],
            "The name is longer than 100 characters.",
        ),
        (
            ["--user", "operator_a", "--scope", "read", "--name", "   "],
            "Give the token a name, such as the pipeline that uses it.",
        ),
        (
            ["--user", "operator_a", "--scope", "read", "--name", "ci\x1b[2J"],
            "The name contains control characters; use plain text.",
        ),
        (
            ["--user", "operator_a", "--scope", "read", "--name", "ci\x00"],
            "The name contains control characters; use plain text.",
        ),
        (
            ["--user", "operator_a", "--scope", "read", "--name", "ci\u202e"],
            "The name contains control characters; use plain text.",
        ),
    ],
)
def test_it_refuses_bad_values_and_writes_nothing(personas, capsys, args, message):
    code, out, err = run_cli(capsys, "token", "create", *args)

    assert (code, out) == (1, "")
    assert err == f"CommandError: {message}\n"
    assert ApiToken.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_refuses_a_token_for_a_deactivated_person(personas, capsys):
    personas.viewer.is_active = False
    personas.viewer.save()

    code, _, err = run_cli(capsys, "token", "create", "--user", "viewer", "--scope", "read")

    assert (code, err) == (1, "CommandError: viewer is deactivated; a token for them would not work.\n")
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--scope", "read"], "steadyops token create: error: the following arguments are required: --user"),
        (["create", "--user", "admin"], "steadyops token create: error: the following arguments are required: --scope"),
        (["revoke"], "steadyops token revoke: error: the following arguments are required: id"),
        (["revoke", "abc"], "steadyops token revoke: error: argument id: invalid int value: 'abc'"),
        (
            ["rotate"],
            "steadyops token: error: argument {create,list,revoke}: "
            "invalid choice: 'rotate' (choose from 'create', 'list', 'revoke')",
        ),
        ([], "steadyops token: error: the following arguments are required: {create,list,revoke}"),
    ],
)
def test_it_rejects_bad_syntax_with_usage_and_exit_2(personas, capsys, args, message):
    code, out, err = run_cli(capsys, "token", *args)

    assert (code, out) == (2, "")
    assert err.startswith("usage: steadyops token")
    assert err.rstrip().endswith(message)
    assert ApiToken.objects.count() == 0


def make_tokens(personas):
    first = ApiToken.objects.create(
        user=personas.operator_a, name="pipeline", token_hash="a" * 64, hint="sto_aaaaaa", scopes=["read", "write"]
    )
    second = ApiToken.objects.create(
        user=personas.admin, name="bad\x1b[31mname", token_hash="b" * 64, hint="sto_bbbbbb", scopes=["all"]
    )
    ApiToken.objects.filter(pk=first.pk).update(
        created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        last_used_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    ApiToken.objects.filter(pk=second.pk).update(
        created_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
        revoked_at=datetime(2026, 3, 6, 12, 15, tzinfo=UTC),
    )
    return first, second


def test_it_lists_tokens_newest_first_with_control_characters_defused(personas, capsys):
    first, second = make_tokens(personas)

    call_command("token", "list")

    lines = capsys.readouterr().out.splitlines()
    assert [re.split(r" {2,}", line) for line in lines] == [
        ["id", "user", "name", "hint", "scopes", "created", "last used", "revoked"],
        [str(second.pk), "admin", "bad?[31mname", "sto_bbbbbb", "all", "2026-03-05 08:00", "-", "2026-03-06 12:15"],
        [
            str(first.pk),
            "operator_a",
            "pipeline",
            "sto_aaaaaa",
            "read,write",
            "2026-03-01 09:30",
            "2026-03-02 10:00",
            "-",
        ],
    ]
    # Columns line up under their headings.
    assert {line.index(cell) for line, cell in zip(lines, ["hint", "sto_bbbbbb", "sto_aaaaaa"], strict=True)} == {
        lines[0].index("hint")
    }


def test_it_lists_one_persons_tokens(personas, capsys):
    first, _ = make_tokens(personas)

    call_command("token", "list", "--user", "operator_a")

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.split(r" {2,}", lines[1])[:3] == [str(first.pk), "operator_a", "pipeline"]


def test_it_says_when_there_are_no_tokens(personas, capsys):
    call_command("token", "list", "--user", "viewer")

    assert capsys.readouterr().out == "No tokens.\n"


def test_it_refuses_to_list_for_an_unknown_person(personas, capsys):
    code, out, err = run_cli(capsys, "token", "list", "--user", "ghost")

    assert (code, out, err) == (1, "", "CommandError: Nobody has the username 'ghost'.\n")


def test_it_revokes_a_token_once(personas, capsys):
    call_command("token", "create", "--user", "operator_a", "--scope", "read", "--name", "ci")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()

    call_command("token", "revoke", str(token.pk))
    call_command("token", "revoke", str(token.pk))

    assert capsys.readouterr().out == (
        f"Revoked token {token.pk} (ci) of operator_a.\nToken {token.pk} (ci) was already revoked.\n"
    )
    assert authenticate_token(secret) is None
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1
    assert AuditEntry.objects.get(action="token.revoke").actor_label == "operator_a (via cli)"


@pytest.mark.parametrize("token_id", ["999", "0", "-5", "99999999999999999999999"])
def test_it_refuses_to_revoke_an_unknown_token(personas, capsys, token_id):
    code, out, err = run_cli(capsys, "token", "revoke", "--", token_id)

    assert (code, out) == (1, "")
    assert err == f"CommandError: No token has the id {int(token_id)}; see `steadyops token list`.\n"
