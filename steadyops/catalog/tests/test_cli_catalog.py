"""`steadyops catalog import|export`: outputs, exit codes, and who the command acts for."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steadyops.accounts.models import Role, Team
from steadyops.catalog.management.commands.catalog import Command
from steadyops.catalog.models import Service
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas, make_user

SHOP = Path(__file__).parent / "fixtures" / "backstage" / "shop"

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_dir(personas: Personas, tmp_path: Path) -> Path:
    Team.objects.create(slug="payments", name="Payments")
    shutil.copytree(SHOP, tmp_path / "shop")
    return tmp_path / "shop"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exit_code(*args: str) -> tuple[int, str]:
    """The exit status and standard error the command line would give, as `run_from_argv` turns a
    CommandError into them (run_from_argv itself closes the database connection the test runs in)."""
    err = StringIO()
    try:
        call_command("catalog", *args, stdout=StringIO(), stderr=err)
    except CommandError as error:
        return error.returncode, f"{err.getvalue()}CommandError: {error}\n"
    return 0, err.getvalue()


def test_it_imports_and_prints_the_summary(shop_dir: Path) -> None:
    out, _ = run("import", str(shop_dir))

    lines = out.splitlines()
    assert lines[-1] == "created 16, updated 0, unchanged 3, missing 0"
    assert "skipped: 1 API" in lines
    assert "skipped: 1 Domain" in lines
    assert "people: 1 user entities match nobody here and were left out" in lines
    assert Service.objects.count() == 4
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"admin (via steadyops catalog import)"}


def test_it_prints_the_diff_on_a_dry_run_and_writes_nothing(shop_dir: Path) -> None:
    audit_before = AuditEntry.objects.count()

    out, _ = run("import", str(shop_dir), "--dry-run")

    assert "+ service storefront" in out.splitlines()
    assert out.splitlines()[-1] == "created 16, updated 0, unchanged 3, missing 0 (dry run: nothing was written)"
    assert Service.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_it_shows_field_changes_and_missing_entries(shop_dir: Path) -> None:
    run("import", str(shop_dir))
    payments = shop_dir / "systems" / "payments.yaml"
    text = payments.read_text().replace("  type: database\n", "  type: queue\n")
    payments.write_text(
        text.replace(
            "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: payment-vendor",
            "apiVersion: other/v1\nkind: Resource\nmetadata:\n  name: payment-vendor",
        )
    )

    out, _ = run("import", str(shop_dir), "--dry-run")

    lines = out.splitlines()
    assert '~ resource shop-db: kind: "database" → "queue"' in lines
    assert "missing: resource payment-vendor (not in the files; left as it is)" in lines


def test_it_exits_1_and_lists_problems(shop_dir: Path) -> None:
    Team.objects.filter(slug="payments").delete()

    code, err = exit_code("import", str(shop_dir))

    assert code == 1
    assert err.splitlines()[0].startswith("systems/payments.yaml:6: system:default/payments: the owner")
    assert err.splitlines()[-1] == "CommandError: 3 problems; nothing was imported."
    assert Service.objects.count() == 0


def test_it_creates_teams_when_asked(shop_dir: Path) -> None:
    Team.objects.filter(slug="payments").delete()

    out, _ = run("import", str(shop_dir), "--create-teams")

    assert out.splitlines()[-1] == "created 17, updated 0, unchanged 2, missing 0"


def test_it_exits_2_on_a_path_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["steadyops", "catalog", "import", "/nonexistent/\x1b[31mred"])

    assert caught.value.code == 2
    assert "/nonexistent/?[31mred does not exist." in capsys.readouterr().err


def test_it_exits_2_without_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["steadyops", "catalog"])

    assert caught.value.code == 2


def test_it_acts_for_the_named_administrator(shop_dir: Path) -> None:
    make_user("second_admin", Role.ADMIN)

    run("import", str(shop_dir), "--as", "second_admin")

    assert set(AuditEntry.objects.values_list("actor__username", flat=True)) == {"second_admin"}


def test_it_needs_as_when_there_are_several_administrators(shop_dir: Path) -> None:
    make_user("second_admin", Role.ADMIN)

    code, err = exit_code("import", str(shop_dir))

    assert code == 2
    assert "Several administrators exist; name the one to act for with --as USERNAME." in err
    assert Service.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "message"), [("nobody", "Nobody has the username"), ("viewer", "Only administrators")]
)
def test_it_exits_2_for_someone_who_may_not_import(shop_dir: Path, username: str, message: str) -> None:
    code, err = exit_code("import", str(shop_dir), "--as", username)

    assert code == 2
    assert message in err
    assert Service.objects.count() == 0


def test_it_exports_to_a_folder(shop_dir: Path, tmp_path: Path) -> None:
    run("import", str(shop_dir))

    out, _ = run("export", str(tmp_path / "out"))

    assert out == f"Wrote {tmp_path / 'out' / 'catalog-info.yaml'}\n"
    out, _ = run("import", str(tmp_path / "out"))
    assert out.splitlines()[-1] == "created 0, updated 0, unchanged 19, missing 0"


def test_it_exits_2_when_the_export_target_is_a_file(personas: Personas, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    code, err = exit_code("export", str(tmp_path / "file"))

    assert code == 2
    assert "is not a folder" in err


def test_it_refuses_an_oversized_file(personas: Personas, tmp_path: Path) -> None:
    big = tmp_path / "catalog-info.yaml"
    big.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")

    with pytest.raises(CommandError) as caught:
        run("import", str(big))

    assert str(caught.value) == "1 problem; nothing was imported."


CIRCLE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: alpha}
spec: {type: service, lifecycle: production, owner: platform, dependsOn: [component:beta]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: beta}
spec: {type: service, lifecycle: production, owner: platform, dependsOn: [component:alpha]}
"""


def test_it_imports_a_circle_of_dependencies_and_flags_it(personas: Personas, tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(CIRCLE)
    out, _ = run("import", str(tmp_path))

    assert out.splitlines()[-2:] == [
        "circle: alpha, beta need one another (allowed; flagged)",
        "created 4, updated 0, unchanged 0, missing 0",
    ]
