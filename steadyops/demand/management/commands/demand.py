"""`steadyops demand import-csv|pull|forecast`: metric history and forecasts from the server's command line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.accounts.models import Role, User
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.demand import csvseries, series_services
from steadyops.demand.models import MetricSeries, SeriesSource

BAD_ARGUMENTS = 2


def _printable(value: str) -> str:
    # File contents and names are shown in a terminal: escape sequences in them must not reach it.
    return "".join(char if char.isprintable() else "?" for char in value)


class Command(BaseCommand):
    help = "Import metric history from CSV, pull it from Prometheus, and forecast it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import-csv,pull,forecast}")
        load = actions.add_parser("import-csv", help="Import a CSV file of metric history; all of it or nothing.")
        load.add_argument("file", help="The CSV file: timestamp,value[,service,metric] on each line.")
        load.add_argument("--service", default="", help="Service slug, unless the file has a service column.")
        load.add_argument("--metric", default="requests_per_second", help="Metric name, unless the file has one.")
        load.add_argument("--unit", default="", help="Unit of a new series (default: the service capacity's unit).")
        load.add_argument("--timezone", default="", help="Zone of timestamps without one, e.g. Europe/Berlin.")
        load.add_argument("--dry-run", action="store_true", help="Check and count; save nothing.")
        pull = actions.add_parser("pull", help="Fetch new points from Prometheus now.")
        which = pull.add_mutually_exclusive_group(required=True)
        which.add_argument("--series", type=int, help="The id of one series.")
        which.add_argument("--all", action="store_true", help="Every series pulled from Prometheus.")
        ahead = actions.add_parser("forecast", help="Forecast one series, or all of them.")
        ahead.add_argument("--service", help="Service slug (default: every series).")
        ahead.add_argument("--metric", help="Metric name (default: the service's main series).")
        ahead.add_argument("--horizon", type=int, help="How many steps ahead (default: the forecaster's).")
        ahead.add_argument("--format", choices=["text", "csv"], default="text", help="csv: one series' points.")
        for sub in (load, pull, ahead):
            sub.add_argument(
                "--as",
                dest="username",
                help="Username of the person to act for (default: the only administrator, if there is one).",
            )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user = self._person(options["username"])
        try:
            if action == "import-csv":
                self._import(user, options)
            elif action == "pull":
                self._pull(user, options)
            else:
                self._forecast(user, options)
        except PermissionDenied as error:
            raise CommandError(f"{user.username}: {error}", returncode=BAD_ARGUMENTS) from None

    def _person(self, username: str | None) -> User:
        if username is not None:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(
                    f"Nobody active has the username {_printable(username[:150])!r}.", returncode=BAD_ARGUMENTS
                )
            return user
        admins = list(User.objects.filter(role=Role.ADMIN, is_active=True)[:2])
        if len(admins) != 1:
            many = "Several administrators exist" if admins else "There is no administrator"
            raise CommandError(f"{many}; name the person to act for with --as USERNAME.", returncode=BAD_ARGUMENTS)
        return admins[0]

    # --- import-csv ---------------------------------------------------------------------------------------------

    def _import(self, user: User, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        shown = _printable(str(path)[:500])
        if not path.is_file():
            raise CommandError(f"{shown} is not a file.", returncode=BAD_ARGUMENTS)
        if path.stat().st_size > csvseries.MAX_BYTES:
            raise CommandError(
                f"{shown} is larger than {csvseries.MAX_BYTES // 2**20} MiB; split it into several files.",
                returncode=BAD_ARGUMENTS,
            )
        zone = None
        if options["timezone"]:
            try:
                zone = ZoneInfo(options["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise CommandError(
                    f"{_printable(options['timezone'][:64])!r} is not a time zone such as Europe/Berlin or UTC.",
                    returncode=BAD_ARGUMENTS,
                ) from None
        try:
            report = series_services.import_csv(
                actor=Actor.cli(user, "steadyops demand import-csv"),
                data=path.read_bytes(),
                file_name=path.name,
                default_zone=zone,
                service=options["service"],
                metric=options["metric"],
                unit=options["unit"],
                dry_run=options["dry_run"],
            )
        except csvseries.CsvTooLarge as error:
            raise CommandError(str(error), returncode=BAD_ARGUMENTS) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=BAD_ARGUMENTS) from None
        if report.errors:
            for problem in report.errors:
                self.stderr.write(_printable(f"{path.name}: {problem}"))
            raise CommandError(report.summary)
        for name in report.new_series:
            self.stdout.write(_printable(f"new series: {name}"))
        suffix = " (dry run: nothing was written)" if report.dry_run else ""
        self.stdout.write(report.summary + suffix)

    # --- pull -----------------------------------------------------------------------------------------------------

    def _pull(self, user: User, options: dict[str, Any]) -> None:
        found = MetricSeries.objects.select_related("service", "prometheus").filter(source=SeriesSource.PROMETHEUS)
        if options["series"] is not None:
            chosen = list(found.filter(pk=options["series"]))
            if not chosen:
                raise CommandError(
                    f"No series pulled from Prometheus has the id {options['series']}.", returncode=BAD_ARGUMENTS
                )
        else:
            chosen = list(found.order_by("id"))
            if not chosen:
                self.stdout.write("No series is pulled from Prometheus.")
                return
        actor = Actor.cli(user, "steadyops demand pull")
        failed = 0
        for series in chosen:
            report = series_services.pull(actor=actor, series=series)
            failed += not report.ok
            self.stdout.write(_printable(f"{series} (#{series.pk}): {report.summary}"))
        if failed:
            raise CommandError(f"{failed} of {len(chosen)} pulls failed.")

    # --- forecast -------------------------------------------------------------------------------------------------

    def _forecast(self, user: User, options: dict[str, Any]) -> None:
        from steadyops.demand.forecasting import ForecastUnavailable, forecast_series

        if not permissions.can_manage_metrics(user):
            raise PermissionDenied("Only operators and administrators run forecasts.")
        if options["horizon"] is not None and options["horizon"] < 1:
            raise CommandError("The horizon is a number of steps, 1 or more.", returncode=BAD_ARGUMENTS)
        chosen = self._chosen(options["service"], options["metric"])
        if options["format"] == "csv" and len(chosen) != 1:
            raise CommandError("--format csv prints one series: name it with --service.", returncode=BAD_ARGUMENTS)
        results: list[tuple[MetricSeries, Any, str]] = []
        progress = _Progress(len(chosen)) if len(chosen) > 1 and sys.stderr.isatty() else None
        try:
            for series in chosen:
                try:
                    results.append((series, forecast_series(series, horizon=options["horizon"]), ""))
                except (ForecastUnavailable, ValueError) as error:
                    results.append((series, None, str(error)))
                if progress is not None:
                    progress.advance()
        finally:
            if progress is not None:
                progress.stop()
        if options["format"] == "csv":
            series, result, problem = results[0]
            if result is None:
                raise CommandError(_printable(f"{series}: {problem}"))
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["timestamp", "point", "lower", "upper"])
            for moment in result.point.index:
                writer.writerow(
                    [
                        moment.isoformat(),
                        f"{result.point[moment]:.6g}",
                        f"{result.lower[moment]:.6g}",
                        f"{result.upper[moment]:.6g}",
                    ]
                )
            return
        failed = 0
        for series, result, problem in results:
            if result is None:
                failed += 1
                self.stdout.write(_printable(f"{series}: no forecast: {problem}"))
                continue
            peak_at = result.point.idxmax()
            self.stdout.write(
                _printable(
                    f"{series}: peak {result.point.max():.1f} {series.unit} at {peak_at.isoformat()} "
                    f"(up to {result.upper[peak_at]:.1f} at {result.level:.0%}); method {result.method}, "
                    f"{len(result.point)} steps ahead"
                )
            )
        if failed and failed == len(results):
            raise CommandError("No series could be forecast.")

    def _chosen(self, service: str | None, metric: str | None) -> list[MetricSeries]:
        found = MetricSeries.objects.select_related("service").order_by("service__name", "metric", "id")
        if service is None:
            if metric is not None:
                found = found.filter(metric=metric)
            chosen = list(found)
            if not chosen:
                raise CommandError("There is no metric history to forecast yet.", returncode=BAD_ARGUMENTS)
            return chosen
        from steadyops.catalog.models import Service

        target = Service.objects.filter(slug=service).first()
        if target is None:
            raise CommandError(f"There is no service {_printable(service[:50])!r}.", returncode=BAD_ARGUMENTS)
        if metric is not None:
            chosen = list(found.filter(service=target, metric=metric))
        else:
            main = series_services.main_series(target)
            chosen = [main] if main is not None else []
        if not chosen:
            raise CommandError(_printable(f"{target.name} has no such metric history."), returncode=BAD_ARGUMENTS)
        return chosen


class _Progress:
    """A rich progress bar on standard error over the series being forecast."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(file=sys.stderr), transient=True)
        self.bar.start()
        self.task = self.bar.add_task("Forecasting", total=total)

    def advance(self) -> None:
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.bar.stop()
