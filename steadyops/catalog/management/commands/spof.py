"""`steadyops spof`: the single points of failure, for people and for CI.

Exits 1 when a finding is not accepted as a known risk, so a pipeline can stop on a new SPOF; 0 when every
finding is accepted (or there is none); 2 on bad arguments.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.catalog import findings

UNACCEPTED = 1
BAD_ARGUMENTS = 2


def _printable(value: str) -> str:
    # Names reach a terminal or a CI log: escape sequences in them must not.
    return "".join(char if char.isprintable() else "?" for char in value)


def _component(component: findings.CatalogComponent) -> dict[str, str]:
    return {"key": component.key, "type": component.type, "slug": component.slug, "name": component.name}


def as_json(reported: findings.ReportedFinding) -> dict[str, Any]:
    acceptance = reported.acceptance
    return {
        "component": _component(reported.component),
        "kind": reported.kind,
        "kind_in_plain_words": reported.kind_label,
        "dependent": _component(reported.dependent) if reported.dependent else None,
        "explanation": reported.finding.explanation,
        "blast_radius": [_component(c) for c in reported.journeys],
        "mitigation": reported.finding.mitigation,
        "accepted": acceptance is not None,
        "acceptance": None
        if acceptance is None
        else {
            "reason": acceptance.reason,
            "accepted_by": acceptance.accepted_by.username if acceptance.accepted_by else None,
            "accepted_at": acceptance.accepted_at.isoformat(),
            "expires_on": acceptance.expires_on.isoformat(),
        },
    }


class Command(BaseCommand):
    help = "List the single points of failure; exit 1 when any is not accepted as a known risk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or json.")
        parser.add_argument(
            "--environment", default="", help=f"The environment's slug (default: {findings.DEFAULT_ENVIRONMENT})."
        )

    def handle(self, *args: Any, format: str, environment: str, **options: Any) -> None:
        try:
            chosen = findings.environment_named(environment)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=BAD_ARGUMENTS) from None
        if chosen is None:
            raise CommandError("There is no environment in the catalog yet.", returncode=BAD_ARGUMENTS)
        report = findings.spof_report(environment=chosen)
        if format == "json":
            document = {
                "environment": chosen.slug,
                "open": len(report.open),
                "accepted": len(report.accepted),
                "findings": [as_json(f) for f in report.ranked],
                "cycles": [[_component(member) for member in members] for members in report.cycles],
            }
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self._text(report, chosen.name)
        if report.open:
            raise CommandError(
                f"{len(report.open)} single point{'s' if len(report.open) != 1 else ''} of failure not accepted.",
                returncode=UNACCEPTED,
            )

    def _text(self, report: findings.SpofReport, environment: str) -> None:
        for reported in report.ranked:
            acceptance = reported.acceptance
            status = f"accepted until {acceptance.expires_on:%Y-%m-%d}" if acceptance else "OPEN"
            self.stdout.write(
                f"[{status}] {_printable(reported.component.name)} ({reported.component.key}): {reported.kind_label}"
            )
            self.stdout.write(f"  Why: {_printable(reported.finding.explanation)}")
            self.stdout.write(f"  Cuts off: {', '.join(_printable(c.name) for c in reported.journeys)}")
            self.stdout.write(f"  What would help: {_printable(reported.finding.mitigation)}")
            if acceptance:
                self.stdout.write(f"  Accepted because: {_printable(acceptance.reason)}")
        for members in report.cycles:
            names = ", ".join(_printable(member.name) for member in members)
            self.stdout.write(f"[CIRCLE] {names} need one another in a circle (allowed; flagged).")
        self.stdout.write(f"{environment}: {len(report.open)} open, {len(report.accepted)} accepted as known risks.")
