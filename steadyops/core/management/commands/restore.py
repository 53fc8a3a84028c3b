"""`steadyops restore PATH`: replace the database with a backup made by `steadyops backup`."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from rich.console import Console

from steadyops.core.management.commands.backup import database_kind, postgres_command, progress, run_tool

SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


def database_has_data() -> bool:
    """Whether any steadyops table holds a row; a fresh or unmigrated database holds none."""
    connection = connections["default"]
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return False
    for model in apps.get_models():
        if model._meta.db_table in tables and model._default_manager.using("default").exists():
            return True
    return False


def check_sqlite_backup(path: Path) -> None:
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise CommandError(f"{path} is not a steadyops backup: it is not an SQLite database.")
    try:
        backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = backup.execute("PRAGMA integrity_check").fetchone()[0]
            has_migrations = backup.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            backup.close()
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{path} is not a steadyops backup: {exc}.") from None
    if integrity != "ok":
        raise CommandError(f"{path} is damaged (SQLite's integrity check says: {integrity}); nothing was restored.")
    if not has_migrations:
        raise CommandError(
            f"{path} is an SQLite database but not a steadyops backup (it has no django_migrations table)."
        )


def check_postgres_backup(path: Path) -> None:
    with path.open("rb") as file:
        if file.read(len(PGDUMP_HEADER)) != PGDUMP_HEADER:
            raise CommandError(f"{path} is not a steadyops backup: it is not a pg_dump custom-format archive.")
    try:
        listing = subprocess.run(  # noqa: S603 - a fixed program, no shell
            ["pg_restore", "--list", str(path)],  # noqa: S607 - found on PATH like pg_dump
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise CommandError("pg_restore is not installed; install the PostgreSQL client tools.") from None
    if listing.returncode != 0:
        raise CommandError(f"{path} is not a readable pg_dump archive: {listing.stderr.strip()}")
    if " TABLE public django_migrations " not in listing.stdout:
        raise CommandError(
            f"{path} is a PostgreSQL archive but not a steadyops backup (it has no django_migrations table)."
        )


class Command(BaseCommand):
    help = "Replace the database with a backup made by `steadyops backup`. Stop steadyops first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file.")
        parser.add_argument("--yes", action="store_true", help="Replace a database that holds data.")

    def handle(self, *args: Any, path: Path, yes: bool, **options: Any) -> None:
        kind = database_kind()
        path = path.expanduser().absolute()
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        if kind == "sqlite":
            check_sqlite_backup(path)
        else:
            check_postgres_backup(path)
        if database_has_data() and not yes:
            raise CommandError(
                "The database holds data that the backup would replace. "
                "Run again with --yes to replace it; make a backup of it first if you may need it."
            )
        console = Console(stderr=True)
        if kind == "sqlite":
            self._sqlite(path, console)
        else:
            self._postgres(path, console)
        self.stdout.write(f"Restored {path}. Run `steadyops migrate` if the backup comes from an older steadyops.")

    def _sqlite(self, path: Path, console: Console) -> None:
        connections.close_all()
        target = sqlite3.connect(str(connections["default"].settings_dict["NAME"]), timeout=20)
        backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            with progress(console) as bar:
                task = bar.add_task("Restoring the database", total=None)

                def step(status: int, remaining: int, total: int) -> None:
                    bar.update(task, total=total, completed=total - remaining)

                # Copying into the open database (not replacing the file) keeps its WAL journal
                # consistent and happens in one locked step: readers see the old or the new data.
                backup.backup(target, pages=256, progress=step)
        except sqlite3.Error as exc:
            raise CommandError(f"The backup could not be restored: {exc}") from None
        finally:
            backup.close()
            target.close()

    def _postgres(self, path: Path, console: Console) -> None:
        connections.close_all()
        command, env = postgres_command(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", str(path)
        )
        with progress(console) as bar:
            bar.add_task("Restoring the database with pg_restore", total=None)
            run_tool(command, env, "pg_restore")
