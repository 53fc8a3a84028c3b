"""`steadyops spof`: findings for people and for CI, with exit codes a pipeline can act on."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from steadyops.catalog import findings, services
from steadyops.catalog.management.commands.spof import Command
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor


def run(*args: str, capsys) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Run as from the command line: the exit code, stdout and stderr."""
    try:
        Command().run_from_argv(["steadyops", "spof", *args])
    except SystemExit as exited:
        code = int(exited.code or 0)
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def accept_all(shop: Shop) -> None:
    report = findings.spof_report(environment=shop.production)
    for finding in report.open:
        findings.accept_risk(
            actor=Actor(user=shop.personas.admin),
            environment=shop.production,
            component_key=finding.component.key,
            kind=finding.kind,
            dependent_key=finding.dependent_key,
            reason="Known.",
            expires_on=timezone.localdate() + timedelta(days=30),
        )


def test_it_exits_1_while_a_finding_is_open(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys=capsys)

    assert code == 1
    assert out.splitlines()[:2] == [
        "[OPEN] Shop DB (resource:shop-db): Nothing on record shows it is redundant",
        "  Why: Web cannot work when Shop DB fails, and nothing on record shows that it runs more than one instance.",
    ]
    assert out.splitlines()[-1] == "Production: 3 open, 0 accepted as known risks."
    assert "3 single points of failure not accepted." in err


def test_it_exits_0_when_every_finding_is_accepted(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    accept_all(shop)

    code, out, _ = run(capsys=capsys)

    assert code == 0
    assert out.count("[accepted until ") == 3
    assert out.splitlines()[-1] == "Production: 0 open, 3 accepted as known risks."


def test_it_exits_0_with_no_findings(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    services.update_service(
        actor=Actor(user=shop.personas.admin),
        service=shop.web,
        name="Web",
        owner=shop.personas.team_a,
        description="",
        tier=1,
        lifecycle="production",
        secondary_owners=[],
        user_facing=False,
        system=None,
        tags=[],
        links=[],
    )
    code, out, _ = run("--format", "json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == {"environment": "production", "open": 0, "accepted": 0, "findings": [], "cycles": []}


def test_it_prints_json(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("--format", "json", "--environment", "production", capsys=capsys)

    document = json.loads(out)
    assert code == 1
    assert (document["environment"], document["open"], document["accepted"]) == ("production", 3, 0)
    assert list(document["findings"][0]) == [
        "component",
        "kind",
        "kind_in_plain_words",
        "dependent",
        "explanation",
        "blast_radius",
        "mitigation",
        "accepted",
        "acceptance",
    ]
    assert [(f["component"]["key"], f["kind"], (f["dependent"] or {}).get("key")) for f in document["findings"]] == [
        ("resource:shop-db", "cuts_off", None),
        ("resource:shop-db", "no_fallback", "service:checkout"),
        ("service:checkout", "cuts_off", None),
    ]
    assert document["findings"][0]["blast_radius"] == [
        {"key": "service:web", "type": "service", "slug": "web", "name": "Web"}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--environment", "moon"], "There is no environment “moon”. Known: production, staging."),
        (["--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_it_exits_2_on_bad_arguments(shop: Shop, capsys, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*args, capsys=capsys)
    assert code == 2
    assert message in err
    assert out == ""


def test_names_cannot_send_escape_sequences_to_the_terminal(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    shop.database.name = "Shop\x1b[31mDB"
    shop.database.save()
    _, out, _ = run(capsys=capsys)
    assert "\x1b" not in out
    assert "Shop?[31mDB" in out


def test_call_command_raises_with_the_exit_code(shop: Shop) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        call_command("spof")
    assert raised.value.returncode == 1


def close_a_circle(shop: Shop) -> None:
    services.add_dependency(
        actor=Actor(user=shop.personas.admin), source=shop.checkout, target=shop.web, hard=False, degrades="yes"
    )


def test_it_flags_a_circle_of_dependencies(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    close_a_circle(shop)
    code, out, _ = run(capsys=capsys)
    assert code == 1
    assert "[CIRCLE] Checkout, Web need one another in a circle (allowed; flagged).\n" in out


def test_it_lists_circles_in_json(shop: Shop, capsys) -> None:  # type: ignore[no-untyped-def]
    close_a_circle(shop)
    # One command per test: run_from_argv closes the database connection when it ends.
    code, out, _ = run("--format", "json", capsys=capsys)
    assert code == 1
    assert [[member["key"] for member in members] for members in json.loads(out)["cycles"]] == [
        ["service:checkout", "service:web"]
    ]
