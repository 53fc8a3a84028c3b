"""`steadyops catalog import|export`: Backstage catalog files in and out, from the server's command line."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.accounts.models import Role, User
from steadyops.catalog import findings, spof
from steadyops.catalog.backstage import CatalogError
from steadyops.catalog.exporter import export_catalog
from steadyops.catalog.importer import ImportReport, Progress, import_catalog
from steadyops.core.actor import Actor

BAD_ARGUMENTS = 2


def _printable(value: str) -> str:
    # File contents are shown in a terminal: escape sequences in them must not reach it.
    return "".join(char if char.isprintable() else "?" for char in value)


class Command(BaseCommand):
    help = "Import a Backstage catalog (catalog-info.yaml files) into steadyops, or export steadyops as one."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        load = actions.add_parser("import", help="Apply catalog files to steadyops; re-importing changes nothing.")
        load.add_argument("path", help="A catalog-info.yaml file, or a folder to search for them.")
        load.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        load.add_argument(
            "--create-teams", action="store_true", help="Create a team for each Group that matches no team."
        )
        load.add_argument(
            "--as",
            dest="username",
            help="Username of the administrator to act for (default: the only administrator, if there is one).",
        )
        dump = actions.add_parser("export", help="Write steadyops' catalog to DIR/catalog-info.yaml.")
        dump.add_argument("directory", help="The folder to write into; created if missing.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self._import(
                path=options["path"],
                dry_run=options["dry_run"],
                create_teams=options["create_teams"],
                username=options["username"],
            )
        else:
            self._export(directory=options["directory"])

    def _admin(self, username: str | None) -> User:
        if username is not None:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"Nobody has the username {_printable(username[:150])!r}.", returncode=BAD_ARGUMENTS)
            return user
        admins = list(User.objects.filter(role=Role.ADMIN, is_active=True)[:2])
        if len(admins) != 1:
            many = "Several administrators exist" if admins else "There is no administrator"
            raise CommandError(f"{many}; name the one to act for with --as USERNAME.", returncode=BAD_ARGUMENTS)
        return admins[0]

    def _problems(self, error: CatalogError, what: str) -> CommandError:
        for problem in error.problems:
            self.stderr.write(_printable(str(problem)))
        count = len(error.problems)
        return CommandError(f"{count} problem{'s' if count != 1 else ''}; {what}.")

    def _import(self, *, path: str, dry_run: bool, create_teams: bool, username: str | None) -> None:
        location = Path(path)
        if not location.exists():
            raise CommandError(f"{_printable(path[:500])} does not exist.", returncode=BAD_ARGUMENTS)
        user = self._admin(username)
        with ExitStack() as stack:
            try:
                report = import_catalog(
                    actor=Actor.cli(user, "steadyops catalog import"),
                    path=location,
                    dry_run=dry_run,
                    create_teams=create_teams,
                    progress=stack.enter_context(_ProgressBar()) if sys.stderr.isatty() else None,
                )
            except PermissionDenied as error:
                raise CommandError(f"{user.username}: {error}", returncode=BAD_ARGUMENTS) from None
            except CatalogError as error:
                stack.close()
                raise self._problems(error, "nothing was imported") from None
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        if report.dry_run:
            for change in report.changes:
                self.stdout.write(_printable(str(change)))
        for missing in report.missing:
            self.stdout.write(_printable(f"missing: {missing} (not in the files; left as it is)"))
        for kind, count in sorted(report.skipped.items()):
            self.stdout.write(f"skipped: {count} {kind}")
        if report.people_unknown:
            self.stdout.write(f"people: {report.people_unknown} user entities match nobody here and were left out")
        if not report.dry_run:
            graph = findings.load_graph(findings.environment_named(None))
            for group in spof.dependency_cycles(graph.nodes, graph.edges):
                names = ", ".join(graph.components[key].name for key in group)
                self.stdout.write(_printable(f"circle: {names} need one another (allowed; flagged)"))
        suffix = " (dry run: nothing was written)" if report.dry_run else ""
        self.stdout.write(report.summary + suffix)

    def _export(self, *, directory: str) -> None:
        target = Path(directory)
        if target.exists() and not target.is_dir():
            raise CommandError(f"{_printable(directory[:500])} is not a folder.", returncode=BAD_ARGUMENTS)
        try:
            written = export_catalog(target)
        except CatalogError as error:
            raise self._problems(error, "nothing was written") from None
        except OSError as error:
            raise CommandError(f"Cannot write to {_printable(directory[:500])}: {error.strerror}.") from None
        self.stdout.write(f"Wrote {written}")


class _ProgressBar:
    """A rich progress bar on standard error, one task per stage (reading, checking, writing)."""

    def __enter__(self) -> Progress:
        from rich.console import Console
        from rich.progress import Progress as Bar

        self.bar = Bar(console=Console(file=sys.stderr), transient=True)
        self.bar.start()
        self.tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in self.tasks:
                self.tasks[stage] = self.bar.add_task(stage.capitalize(), total=total)
            self.bar.update(self.tasks[stage], completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
