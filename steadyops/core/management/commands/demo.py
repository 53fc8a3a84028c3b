"""`steadyops demo`: load the demo organisation (safe to run again)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from steadyops.core import demo


def _amount(number: int, kind: str) -> str:
    """'1 idea board', '17,478 points of metric history': kinds are registered in the plural."""
    if number != 1:
        return f"{number:,} {kind}"
    head, of, tail = kind.partition(" of ")
    head = head.removesuffix("es") if head.endswith("sses") else head.removesuffix("s")
    return f"1 {head}{of}{tail}"


def describe_created(created: dict[str, int]) -> str:
    parts = [_amount(created[kind], kind) for kind in ("teams", "people", "memberships") if created.get(kind)]
    parts += [
        _amount(number, kind) for kind, number in created.items() if kind not in ("teams", "people", "memberships")
    ]
    return ", ".join(parts) if parts else "nothing new"


def login_lines() -> list[str]:
    logins = demo.working_logins()
    if not logins:
        return []
    width = max(len(role) for role, _ in logins)
    lines = [f"Demo sign-ins (password {demo.DEMO_PASSWORD}):"]
    lines += [f"  {role.ljust(width)}  {username}" for role, username in logins]
    return lines


class Command(BaseCommand):
    help = "Load the demo organisation: teams, people in every role, and example data. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = demo.load()
        except (PermissionDenied, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(f"The demo could not be loaded: {message}") from exc
        self.stdout.write(
            f"Demo organisation ready: {len(organisation.teams)} teams, {len(organisation.people)} people "
            f"(created {describe_created(organisation.created)})."
        )
        for line in login_lines():
            self.stdout.write(line)
