"""Importing and exporting decision files: atomic, idempotent, round trips, and refusals."""

from __future__ import annotations

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from steadyops.consensus import adr
from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

FIXTURES = Path(__file__).parent / "fixtures" / "adr"


def _copy(tmp_path: Path, *folders: str) -> Path:
    target = tmp_path / "adr"
    target.mkdir()
    for folder in folders:
        for path in (FIXTURES / folder).iterdir():
            shutil.copy(path, target / path.name)
    return target


def _import(personas: Personas, folder: Path, **kwargs: object) -> services.ImportReport:
    return services.import_decisions(actor=Actor(user=personas.operator_a), directory=folder, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["madr4", "adr-tools"])
def test_it_imports_and_exports_the_same_bytes(personas: Personas, tmp_path: Path, fmt: str) -> None:
    source = _copy(tmp_path, fmt)
    _import(personas, source)
    out = tmp_path / "out"
    services.export_decisions(directory=out, format="adr-tools" if fmt == "adr-tools" else "madr")
    written = sorted(path.name for path in out.iterdir())
    assert written == sorted(path.name for path in source.iterdir())
    for name in written:
        assert (out / name).read_bytes() == (source / name).read_bytes(), name


def test_it_imports_madr_with_its_supersede_chain(personas: Personas, tmp_path: Path) -> None:
    report = _import(personas, _copy(tmp_path, "madr4"))
    assert report.summary == "3 created, 0 updated, 0 unchanged"
    old, new = Decision.objects.get(number=2), Decision.objects.get(number=3)
    assert old.status == "superseded"
    assert new.supersedes == old
    assert Decision.objects.get(number=1).source_format == "madr"
    assert AuditEntry.objects.filter(action="decision.import").count() == 3


def test_it_imports_adr_tools_supersede_links(personas: Personas, tmp_path: Path) -> None:
    _import(personas, _copy(tmp_path, "adr-tools"))
    assert Decision.objects.get(number=3).supersedes == Decision.objects.get(number=2)
    assert Decision.objects.get(number=2).status == "superseded"


def test_it_is_idempotent_and_reports_updates(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr4")
    _import(personas, folder)
    again = _import(personas, folder)
    assert again.summary == "0 created, 0 updated, 3 unchanged"
    assert Decision.objects.count() == 3
    path = folder / "0003-checkout-has-its-own-rotation.md"
    path.write_text(path.read_text().replace("status: accepted", "status: deprecated"))
    third = _import(personas, folder)
    assert third.updated == ["0003-checkout-has-its-own-rotation.md"]
    assert third.summary == "0 created, 1 updated, 2 unchanged"
    assert Decision.objects.get(number=3).status == "deprecated"


def test_it_numbers_log4brains_records_and_keeps_the_numbers(personas: Personas, tmp_path: Path) -> None:
    services.create_decision(actor=Actor(user=personas.operator_a), title="Already here")
    folder = _copy(tmp_path, "log4brains")
    report = _import(personas, folder)
    assert report.skipped == ["index.md"]
    numbers = dict(Decision.objects.values_list("source_path", "number"))
    assert numbers == {
        "": 1,
        "20200924-use-markdown-architectural-decision-records.md": 2,
        "20200925-use-log4brains-to-manage-the-adrs.md": 3,
    }
    assert _import(personas, folder).summary == "0 created, 0 updated, 2 unchanged"


def test_it_finds_the_records_in_a_project_folder(personas: Personas) -> None:
    report = _import(personas, FIXTURES / "project")
    assert report.folder.endswith("project/doc/adr")
    assert report.created == ["0001-record-architecture-decisions.md"]


def test_it_imports_nothing_when_one_file_is_bad(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr4")
    (folder / "0009-broken.md").write_text("---\nstatus: accepted\n\n# Never closed\n")
    (folder / "0010-unknown.md").write_text("# Unknown\n\n* Status: pending\n")
    with pytest.raises(services.ImportFailed) as caught:
        _import(personas, folder)
    assert caught.value.problems == [
        "0009-broken.md, line 1: the front matter opened with '---' is never closed",
        "0010-unknown.md, line 3: unknown status 'pending'; use one of proposed, accepted, rejected, deprecated, "
        "superseded",
    ]
    assert Decision.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_refuses_duplicate_numbers(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr4")
    (folder / "0001-another-first.md").write_text("# Another first\n")
    with pytest.raises(services.ImportFailed, match=r"0001-use-postgresql-for-billing.md, line 1: number 1 is also"):
        _import(personas, folder)
    assert Decision.objects.count() == 0


def test_it_refuses_an_oversized_file(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr3")
    (folder / "0002-huge.md").write_bytes(b"# Huge\n" + b"a" * adr.MAX_FILE_BYTES)
    with pytest.raises(services.ImportFailed, match=r"0002-huge.md, line 1: the file is larger than 1024 KiB"):
        _import(personas, folder)
    assert Decision.objects.count() == 0


def test_it_refuses_links_to_files_outside_the_folder(personas: Personas, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nPasswords.\n")
    folder = _copy(tmp_path, "madr3")
    os.symlink(secret, folder / "0002-secret.md")
    with pytest.raises(services.ImportFailed) as caught:
        _import(personas, folder)
    assert caught.value.problems == ["0002-secret.md, line 1: a link to a file outside the folder is not followed"]
    assert Decision.objects.count() == 0


def test_it_follows_links_inside_the_folder(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr3")
    (folder / "drafts").mkdir()
    shutil.copy(FIXTURES / "madr2" / "0005-record-decisions-in-markdown.md", folder / "drafts" / "five.md")
    os.symlink(folder / "drafts" / "five.md", folder / "0005-record-decisions-in-markdown.md")
    assert _import(personas, folder).summary == "2 created, 0 updated, 0 unchanged"


def test_it_dry_runs_without_writing(personas: Personas, tmp_path: Path) -> None:
    report = _import(personas, _copy(tmp_path, "madr4"), dry_run=True)
    assert report.summary == "3 created, 0 updated, 0 unchanged"
    assert Decision.objects.count() == 0


def test_it_refuses_viewers(personas: Personas, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        services.import_decisions(actor=Actor(user=personas.viewer), directory=_copy(tmp_path, "madr4"))
    assert Decision.objects.count() == 0


def test_it_refuses_to_overwrite_someone_elses_decision(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr3")
    services.import_decisions(actor=Actor(user=personas.operator_b), directory=folder)
    path = folder / "0004-feature-flags-for-risky-changes.md"
    path.write_text(path.read_text().replace("status: proposed", "status: accepted"))
    with pytest.raises(services.ImportFailed, match="decision 4 is not yours to change"):
        _import(personas, folder)
    assert Decision.objects.get(number=4).status == "proposed"


def test_it_exports_changes_into_the_imported_file(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "adr-tools")
    _import(personas, folder)
    first = Decision.objects.get(number=1)
    services.update_decision(
        actor=Actor(user=personas.operator_a),
        decision=first,
        title=first.title,
        status="deprecated",
        date=first.date,
        team=None,
        consequences="Nobody reads them.",
    )
    out = tmp_path / "out"
    services.export_decisions(directory=out, format="adr-tools")
    text = (out / "0001-record-architecture-decisions.md").read_text()
    original = (folder / "0001-record-architecture-decisions.md").read_text()
    assert text == original.replace("\nAccepted\n", "\nDeprecated\n").replace(
        original[original.index("See Michael") :], "Nobody reads them.\n"
    )


def test_it_exports_written_decisions_in_either_format(personas: Personas, tmp_path: Path) -> None:
    actor = Actor(user=personas.operator_a)
    old = services.create_decision(actor=actor, title="Weekly deploys", decision_outcome="Deploy on Tuesdays.")
    new = services.create_decision(actor=actor, title="Daily deploys", status="accepted")
    services.supersede_decision(actor=actor, old=old, new=new)
    withdrawn = services.create_decision(actor=actor, title="Typo")
    services.withdraw_decision(actor=actor, decision=withdrawn)
    services.export_decisions(directory=tmp_path / "madr", format="madr")
    services.export_decisions(directory=tmp_path / "tools", format="adr-tools")
    assert sorted(p.name for p in (tmp_path / "madr").iterdir()) == ["0001-weekly-deploys.md", "0002-daily-deploys.md"]
    tools = (tmp_path / "tools" / "0001-weekly-deploys.md").read_text()
    assert "## Status\n\nSuperceded by [2. Daily deploys](0002-daily-deploys.md)\n" in tools
    madr_old = adr.parse("0001-weekly-deploys.md", (tmp_path / "madr" / "0001-weekly-deploys.md").read_text())
    assert (madr_old.status, madr_old.superseded_by, madr_old.decision_outcome) == (
        "superseded",
        2,
        "Deploy on Tuesdays.",
    )


# --- The command line ----------------------------------------------------------------------------------------


def test_it_imports_from_the_command_line(personas: Personas, tmp_path: Path) -> None:
    out = StringIO()
    folder = _copy(tmp_path, "madr4")
    call_command("decisions", "import", str(folder), "--as", "operator_a", stdout=out)
    assert out.getvalue().splitlines()[-1] == "3 created, 0 updated, 0 unchanged"
    assert "created: 0001-use-postgresql-for-billing.md" in out.getvalue()
    out = StringIO()
    call_command("decisions", "import", str(folder), "--as", "operator_a", stdout=out)
    assert out.getvalue().splitlines()[-1] == "0 created, 0 updated, 3 unchanged"


def test_it_dry_runs_from_the_command_line(personas: Personas, tmp_path: Path) -> None:
    out = StringIO()
    call_command("decisions", "import", str(_copy(tmp_path, "madr4")), "--as", "admin", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[-1] == "3 created, 0 updated, 0 unchanged (dry run: nothing was written)"
    assert Decision.objects.count() == 0


def test_it_names_the_bad_file_on_the_command_line(personas: Personas, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "madr4")
    (folder / "0007-bad\x1b[31m.md").write_text("# T\n\n* Date: yesterday\n")
    err = StringIO()
    with pytest.raises(CommandError, match=r"^1 problem; nothing was imported\.$") as caught:
        call_command("decisions", "import", str(folder), "--as", "admin", stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue() == "0007-bad?[31m.md, line 3: the date 'yesterday' is not a date like 2024-01-31\n"
    assert Decision.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/adr", "--as", "admin"], "/nonexistent/adr is not a folder."),
        (["import", str(FIXTURES / "madr4"), "--as", "nobody"], "Nobody has the username 'nobody'."),
    ],
)
def test_it_refuses_bad_arguments(personas: Personas, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=f"^{message}$") as caught:
        call_command("decisions", *args)
    assert caught.value.returncode == 2


def test_it_refuses_a_viewer_on_the_command_line(personas: Personas) -> None:
    with pytest.raises(CommandError, match=r"^viewer: Viewers cannot import decisions\.$") as caught:
        call_command("decisions", "import", str(FIXTURES / "madr4"), "--as", "viewer")
    assert caught.value.returncode == 2


def test_it_needs_a_named_person_when_there_are_several_administrators(personas: Personas) -> None:
    from steadyops.testing.personas import make_user

    make_user("second_admin", "admin")
    with pytest.raises(CommandError, match="Several administrators exist"):
        call_command("decisions", "import", str(FIXTURES / "madr4"))


def test_it_exports_from_the_command_line(personas: Personas, tmp_path: Path) -> None:
    _import(personas, _copy(tmp_path, "adr-tools"))
    out = StringIO()
    call_command("decisions", "export", str(tmp_path / "out"), "--format", "adr-tools", stdout=out)
    assert out.getvalue() == f"Wrote 3 decision files to {tmp_path / 'out'}\n"
    target = tmp_path / "afile"
    target.write_text("x")
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("decisions", "export", str(target))
