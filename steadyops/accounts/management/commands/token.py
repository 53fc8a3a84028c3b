"""`steadyops token create|list|revoke`: API tokens from the server's command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from steadyops.accounts import services
from steadyops.accounts.models import ApiToken, User
from steadyops.core.actor import Actor

COLUMNS = ("id", "user", "name", "hint", "scopes", "created", "last used", "revoked")


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _printable(value: str) -> str:
    # Names are shown in a terminal: escape sequences in them must not reach it.
    return "".join(char if char.isprintable() else "?" for char in value)


def format_table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Make a token and print its secret (shown only once).")
        create.add_argument("--user", required=True, help="Username of the person the token acts for.")
        create.add_argument(
            "--scope", required=True, action="append", dest="scopes", help="A scope; repeat for several."
        )
        create.add_argument("--name", default="command line", help="What the token is for (default: command line).")
        listing = actions.add_parser("list", help="Show tokens, newest first.")
        listing.add_argument("--user", help="Only this person's tokens.")
        revoke = actions.add_parser("revoke", help="Stop a token from working.")
        revoke.add_argument("id", type=int, help="The token's id, from `steadyops token list`.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(username=options["user"], scopes=options["scopes"], name=options["name"])
        elif action == "list":
            self._list(username=options["user"])
        else:
            self._revoke(token_id=options["id"])

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Nobody has the username {_printable(username[:150])!r}.")
        return user

    def _create(self, *, username: str, scopes: list[str], name: str) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"{user.username} is deactivated; a token for them would not work.")
        try:
            _, secret = services.create_token(actor=Actor.cli(user), user=user, name=name, scopes=scopes)
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(secret)

    def _list(self, *, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if username is not None:
            tokens = tokens.filter(user=self._user(username))
        rows: list[tuple[str, ...]] = [COLUMNS]
        rows += [
            (
                str(token.pk),
                token.user.username,
                _printable(token.name),
                token.hint,
                ",".join(token.scopes),
                _when(token.created_at),
                _when(token.last_used_at),
                _when(token.revoked_at),
            )
            for token in tokens
        ]
        if len(rows) == 1:
            self.stdout.write("No tokens.")
            return
        for line in format_table(rows):
            self.stdout.write(line)

    def _revoke(self, *, token_id: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first() if 0 < token_id < 2**63 else None
        if token is None:
            raise CommandError(f"No token has the id {token_id}; see `steadyops token list`.")
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token.pk} ({_printable(token.name)}) was already revoked.")
            return
        try:
            services.revoke_token(actor=Actor.cli(token.user), token=token)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Revoked token {token.pk} ({_printable(token.name)}) of {token.user.username}.")
