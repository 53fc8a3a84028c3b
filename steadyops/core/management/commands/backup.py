"""`steadyops backup PATH`: a consistent copy of the database, taken while steadyops keeps running."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

SQLITE_PAGES_PER_STEP = 256


def database_kind() -> str:
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CommandError(f"Backups are made of SQLite and PostgreSQL databases, not {vendor}.")
    return vendor


def postgres_command(program: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment for a PostgreSQL tool; the password goes in the environment only."""
    settings = connections["default"].settings_dict
    command = [program, "--no-password"]
    if settings.get("HOST"):
        command += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        command += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        command += ["--username", str(settings["USER"])]
    command += [*args, "--dbname", str(settings["NAME"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return command, env


def progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        console=console,
        transient=True,
    )


def run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        # A fixed program with arguments from settings, never through a shell.
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise CommandError(f"{command[0]} is not installed; install the PostgreSQL client tools.") from None
    if completed.returncode != 0:
        raise CommandError(
            f"{what} failed: {completed.stderr.strip() or f'{command[0]} exited with {completed.returncode}'}"
        )


class Command(BaseCommand):
    help = "Write a consistent copy of the database to PATH (SQLite file, or a pg_dump custom-format archive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file to write; it must not exist yet.")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        kind = database_kind()
        path = path.expanduser().absolute()
        if path.exists():
            raise CommandError(f"{path} already exists; choose a new file name so no backup is overwritten.")
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        partial = path.with_name(f".{path.name}.partial")
        console = Console(stderr=True)
        try:
            if kind == "sqlite":
                self._sqlite(partial, console)
            else:
                self._postgres(partial, console)
            partial.rename(path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Backup written to {path} ({path.stat().st_size:,} bytes).")

    def _sqlite(self, target: Path, console: Console) -> None:
        source_name = str(connections["default"].settings_dict["NAME"])
        source = sqlite3.connect(source_name, timeout=20)
        destination = sqlite3.connect(target)
        try:
            with progress(console) as bar:
                task = bar.add_task("Copying the database", total=None)

                def step(status: int, remaining: int, total: int) -> None:
                    bar.update(task, total=total, completed=total - remaining)

                # The backup API copies page by page and restarts if a writer changes the
                # source meanwhile, so the copy is one consistent moment of a live database.
                source.backup(destination, pages=SQLITE_PAGES_PER_STEP, progress=step)
            destination.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as exc:
            raise CommandError(f"The database could not be copied: {exc}") from None
        finally:
            destination.close()
            source.close()

    def _postgres(self, target: Path, console: Console) -> None:
        command, env = postgres_command("pg_dump", "--format=custom", "--file", str(target))
        with progress(console) as bar:
            bar.add_task("Dumping the database with pg_dump", total=None)
            run_tool(command, env, "pg_dump")
