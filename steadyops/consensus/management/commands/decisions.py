"""`steadyops decisions import|export`: architecture decision records (MADR, adr-tools, log4brains) in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.accounts.models import Role, User
from steadyops.consensus.decision_services import ImportFailed, export_decisions, import_decisions
from steadyops.core.actor import Actor

BAD_ARGUMENTS = 2
EXPORT_FORMATS = ("madr", "adr-tools", "log4brains")


def _printable(value: str) -> str:
    # File names and contents are shown in a terminal: escape sequences in them must not reach it.
    return "".join(char if char.isprintable() else "?" for char in value)


class Command(BaseCommand):
    help = "Import decision records (MADR 2-4, adr-tools, log4brains) into the decision log, or export the log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        load = actions.add_parser("import", help="Read a folder of decision files; importing again changes nothing.")
        load.add_argument("directory", help="The folder of records, or a project holding doc/adr or docs/decisions.")
        load.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        load.add_argument(
            "--as",
            dest="username",
            help="Username of the person to act for (default: the only administrator, if there is one).",
        )
        dump = actions.add_parser("export", help="Write every decision as NNNN-title.md files.")
        dump.add_argument("directory", help="The folder to write into; created if missing.")
        dump.add_argument("--format", choices=EXPORT_FORMATS, default="madr", help="File format (default: madr).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self._import(directory=options["directory"], dry_run=options["dry_run"], username=options["username"])
        else:
            self._export(directory=options["directory"], format=options["format"])

    def _person(self, username: str | None) -> User:
        if username is not None:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Nobody has the username {_printable(username[:150])!r}.", returncode=BAD_ARGUMENTS)
            return user
        admins = list(User.objects.filter(role=Role.ADMIN, is_active=True)[:2])
        if len(admins) != 1:
            many = "Several administrators exist" if admins else "There is no administrator"
            raise CommandError(f"{many}; name the person to act for with --as USERNAME.", returncode=BAD_ARGUMENTS)
        return admins[0]

    def _import(self, *, directory: str, dry_run: bool, username: str | None) -> None:
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"{_printable(directory[:500])} is not a folder.", returncode=BAD_ARGUMENTS)
        user = self._person(username)
        try:
            report = import_decisions(
                actor=Actor.cli(user, "steadyops decisions import"), directory=folder, dry_run=dry_run
            )
        except PermissionDenied as error:
            raise CommandError(f"{user.username}: {error}", returncode=BAD_ARGUMENTS) from None
        except ImportFailed as error:
            for problem in error.problems:
                self.stderr.write(_printable(problem))
            count = len(error.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''}; nothing was imported.") from None
        self.stdout.write(_printable(f"Read {report.folder}"))
        for label, paths in (("created", report.created), ("updated", report.updated)):
            for path in paths:
                self.stdout.write(_printable(f"{label}: {path}"))
        for name in report.skipped:
            self.stdout.write(_printable(f"skipped: {name} (not a decision file)"))
        suffix = " (dry run: nothing was written)" if dry_run else ""
        self.stdout.write(report.summary + suffix)

    def _export(self, *, directory: str, format: str) -> None:
        target = Path(directory)
        if target.exists() and not target.is_dir():
            raise CommandError(f"{_printable(directory[:500])} is not a folder.", returncode=BAD_ARGUMENTS)
        try:
            written = export_decisions(directory=target, format=format)
        except OSError as error:
            raise CommandError(f"Cannot write to {_printable(directory[:500])}: {error.strerror}.") from None
        self.stdout.write(
            f"Wrote {len(written)} decision file{'s' if len(written) != 1 else ''} to {_printable(str(target))}"
        )
