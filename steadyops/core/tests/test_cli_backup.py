import json
import os
import sqlite3
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest

from steadyops.core.tests.test_cli_serve import run_cli

IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def steadyops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steadyops.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def prepared(env: dict[str, str]) -> None:
    for args in (["migrate", "--verbosity", "0"], ["demo"]):
        completed = steadyops(env, *args)
        assert completed.returncode == 0, completed.stderr


def usernames(env: dict[str, str]) -> list[str]:
    code = (
        "import json; from steadyops.accounts.models import User; "
        "print(json.dumps(sorted(User.objects.values_list('username', flat=True))))"
    )
    completed = steadyops(env, "shell", "--verbosity", "0", "-c", code)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture
def sqlite_env(tmp_path):
    env = {**os.environ, "STEADYOPS_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "steadyops.settings"}
    env.pop("DATABASE_URL", None)
    return env


@pytest.mark.integration
def test_it_backs_up_and_restores_sqlite(sqlite_env, tmp_path):
    prepared(sqlite_env)
    backup = tmp_path / "steadyops-backup.sqlite3"

    made = steadyops(sqlite_env, "backup", str(backup))

    assert made.returncode == 0, made.stderr
    assert made.stdout == f"Backup written to {backup} ({backup.stat().st_size:,} bytes).\n"
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM accounts_user").fetchone() == (9,)
    assert not (tmp_path / ".steadyops-backup.sqlite3.partial").exists()

    assert (
        steadyops(
            sqlite_env,
            "createadmin",
            "--username",
            "later",
            "--email",
            "later@example.com",
            "--password",
            "plum-orchard-71",
        ).returncode
        == 0
    )
    refused = steadyops(sqlite_env, "restore", str(backup))
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "CommandError: The database holds data that the backup would replace. "
        "Run again with --yes to replace it; make a backup of it first if you may need it."
    )
    assert "later" in usernames(sqlite_env)

    restored = steadyops(sqlite_env, "restore", str(backup), "--yes")

    assert restored.returncode == 0, restored.stderr
    assert (
        restored.stdout == f"Restored {backup}. Run `steadyops migrate` if the backup comes from an older steadyops.\n"
    )
    assert usernames(sqlite_env) == ["admin", "carlos", "maria", "mei", "omar", "priya", "sam", "sofia", "victor"]


@pytest.mark.integration
def test_it_restores_into_an_empty_database_without_asking(sqlite_env, tmp_path):
    prepared(sqlite_env)
    backup = tmp_path / "b.sqlite3"
    assert steadyops(sqlite_env, "backup", str(backup)).returncode == 0
    fresh = {**sqlite_env, "STEADYOPS_DATA_DIR": str(tmp_path / "fresh")}

    restored = steadyops(fresh, "restore", str(backup))

    assert restored.returncode == 0, restored.stderr
    assert len(usernames(fresh)) == 9


def test_it_never_overwrites_an_existing_file(db, capsys, tmp_path):
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"precious")

    code, out, err = run_cli(capsys, "backup", str(existing))

    assert (code, out) == (1, "")
    assert err == f"CommandError: {existing} already exists; choose a new file name so no backup is overwritten.\n"
    assert existing.read_bytes() == b"precious"


def test_it_needs_an_existing_folder(db, capsys, tmp_path):
    code, _, err = run_cli(capsys, "backup", str(tmp_path / "missing" / "b.sqlite3"))

    assert (code, err) == (1, f"CommandError: The folder {tmp_path / 'missing'} does not exist.\n")


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_it_needs_a_path(capsys, command):
    code, out, err = run_cli(capsys, command)

    assert (code, out) == (2, "")
    assert err.startswith(f"usage: steadyops {command}")
    assert err.rstrip().endswith(f"steadyops {command}: error: the following arguments are required: path")


@pytest.mark.skipif(IS_POSTGRES, reason="checks of SQLite backup files")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "{path} is not a steadyops backup: it is not an SQLite database."),
        (b"hello, world\n" * 100, "{path} is not a steadyops backup: it is not an SQLite database."),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "{path} is not a steadyops backup: file is not a database."),
    ],
)
def test_it_refuses_files_that_are_not_backups(db, capsys, tmp_path, content, message):
    path = tmp_path / "suspect.sqlite3"
    path.write_bytes(content)

    code, out, err = run_cli(capsys, "restore", str(path), "--yes")

    assert (code, out) == (1, "")
    assert err == f"CommandError: {message.format(path=path)}\n"


@pytest.mark.skipif(IS_POSTGRES, reason="checks of SQLite backup files")
def test_it_refuses_an_sqlite_database_that_is_not_steadyops(db, capsys, tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    other.close()

    code, _, err = run_cli(capsys, "restore", str(path), "--yes")

    assert code == 1
    assert (
        err == f"CommandError: {path} is an SQLite database but not a steadyops backup "
        "(it has no django_migrations table).\n"
    )


def test_it_says_when_the_backup_file_is_missing(db, capsys, tmp_path):
    code, _, err = run_cli(capsys, "restore", str(tmp_path / "nothing.sqlite3"))

    assert (code, err) == (1, f"CommandError: There is no file {tmp_path / 'nothing.sqlite3'}.\n")


# --- PostgreSQL: a fresh database, created and dropped by the test ------------------


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def postgres_env(tmp_path):
    url = os.environ["DATABASE_URL"]
    name = f"steadyops_backup_{uuid.uuid4().hex[:12]}"
    with admin_connection(url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    env = {
        **os.environ,
        "STEADYOPS_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "steadyops.settings",
        "DATABASE_URL": parts._replace(path=f"/{name}").geturl(),
    }
    try:
        yield env
    finally:
        with admin_connection(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.integration
@pytest.mark.skipif(not IS_POSTGRES, reason="needs DATABASE_URL=postgres://…")
def test_it_backs_up_and_restores_postgresql(postgres_env, tmp_path):
    prepared(postgres_env)
    backup = tmp_path / "steadyops.dump"

    made = steadyops(postgres_env, "backup", str(backup))

    assert made.returncode == 0, made.stderr
    assert backup.read_bytes()[:5] == b"PGDMP"
    assert (
        steadyops(
            postgres_env,
            "createadmin",
            "--username",
            "later",
            "--email",
            "later@example.com",
            "--password",
            "plum-orchard-71",
        ).returncode
        == 0
    )
    assert steadyops(postgres_env, "restore", str(backup)).returncode == 1
    assert "later" in usernames(postgres_env)

    restored = steadyops(postgres_env, "restore", str(backup), "--yes")

    assert restored.returncode == 0, restored.stderr
    assert usernames(postgres_env) == ["admin", "carlos", "maria", "mei", "omar", "priya", "sam", "sofia", "victor"]


@pytest.mark.integration
@pytest.mark.skipif(not IS_POSTGRES, reason="needs DATABASE_URL=postgres://…")
def test_it_refuses_a_postgresql_archive_of_another_database(postgres_env, tmp_path):
    prepared(postgres_env)
    other = tmp_path / "other.dump"
    with admin_connection(os.environ["DATABASE_URL"]) as connection:
        connection.execute("SELECT 1")
    subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(other), "--table", "accounts_team", postgres_env["DATABASE_URL"]],
        check=True,
        capture_output=True,
    )
    before = usernames(postgres_env)

    refused = steadyops(postgres_env, "restore", str(other), "--yes")

    assert refused.returncode == 1
    assert (
        refused.stderr.strip() == f"CommandError: {other} is a PostgreSQL archive but not a steadyops backup "
        "(it has no django_migrations table)."
    )
    assert usernames(postgres_env) == before


@pytest.mark.skipif(not IS_POSTGRES, reason="needs DATABASE_URL=postgres://…")
def test_it_refuses_an_sqlite_file_on_postgresql(db, capsys, tmp_path):
    path = tmp_path / "b.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)

    code, _, err = run_cli(capsys, "restore", str(path), "--yes")

    assert (code, err) == (
        1,
        f"CommandError: {path} is not a steadyops backup: it is not a pg_dump custom-format archive.\n",
    )


def test_the_password_never_appears_on_the_command_line(settings):
    from steadyops.core.management.commands.backup import postgres_command

    settings.DATABASES["default"] = {**settings.DATABASES["default"]}
    from django.db import connections

    connection = connections["default"]
    saved = connection.settings_dict
    connection.settings_dict = {
        **saved,
        "HOST": "db.internal",
        "PORT": 6543,
        "USER": "ops",
        "PASSWORD": "s3cret",
        "NAME": "steadyops",
    }
    try:
        command, env = postgres_command("pg_dump", "--format=custom")
    finally:
        connection.settings_dict = saved

    assert command == [
        "pg_dump",
        "--no-password",
        "--host",
        "db.internal",
        "--port",
        "6543",
        "--username",
        "ops",
        "--format=custom",
        "--dbname",
        "steadyops",
    ]
    assert env["PGPASSWORD"] == "s3cret"
    assert not any("s3cret" in part for part in command)
