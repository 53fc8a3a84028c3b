"""`steadyops createadmin`: make an administrator account, at a prompt or from options."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from steadyops.accounts.models import Role, User
from steadyops.core import audit
from steadyops.core.actor import Actor
from steadyops.core.text import has_control_characters

PASSWORD_ENV = "STEADYOPS_ADMIN_PASSWORD"
USER_FIELDS = ["username", "email", "role", "is_active", "is_staff", "is_superuser"]


def at_terminal() -> bool:
    return sys.stdin.isatty()


class Command(BaseCommand):
    help = f"Create an administrator. Prompts for what is not given; the password may come from {PASSWORD_ENV}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="The name to sign in with.")
        parser.add_argument("--email", help="Their email address.")
        parser.add_argument("--password", help=f"Their password (or set {PASSWORD_ENV}; prompted for otherwise).")

    def handle(self, *args: Any, username: str | None, email: str | None, password: str | None, **options: Any) -> None:
        password = password if password is not None else os.environ.get(PASSWORD_ENV)
        missing = [name for name, value in (("--username", username), ("--email", email)) if value is None]
        if password is None:
            missing.append(f"--password (or {PASSWORD_ENV})")
        if missing and not at_terminal():
            raise CommandError(f"Not at a terminal, so nothing can be asked: give {', '.join(missing)}.", returncode=2)

        username = self._clean_username(username if username is not None else self._ask("Username: "))
        email = self._clean_email(email if email is not None else self._ask("Email address: "))
        candidate = User(username=username, email=email, role=Role.ADMIN)
        if password is None:
            password = self._ask_password(candidate)
        else:
            self._check_password(password, candidate)

        candidate.is_staff = True
        candidate.is_superuser = True
        candidate.set_password(password)
        with transaction.atomic():
            if User.objects.filter(username__iexact=username).exists():
                raise CommandError(f"A person with the username {username!r} already exists; choose another name.")
            if User.objects.filter(email__iexact=email).exists():
                raise CommandError(f"Someone already uses the email address {email}; choose another.")
            candidate.save()
            audit.record(
                actor=Actor.system_actor("createadmin"),
                action="user.create",
                obj=candidate,
                after=audit.snapshot(candidate, USER_FIELDS),
            )
        self.stdout.write(f"Created the administrator {username} <{email}>.")

    def _ask(self, prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            raise CommandError("Stopped: no answer was given.") from None

    def _ask_password(self, candidate: User) -> str:
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The two passwords differ; try again.")
                continue
            try:
                self._check_password(password, candidate)
            except CommandError as exc:
                self.stderr.write(str(exc))
                continue
            return password

    def _clean_username(self, username: str) -> str:
        username = username.strip()
        if has_control_characters(username):
            raise CommandError("The username contains control characters; use letters, digits and @ . + - _ only.")
        field = User._meta.get_field("username")
        try:
            field.run_validators(username)
            if not username:
                raise ValidationError("The username is empty.")
        except ValidationError as exc:
            raise CommandError(f"Username not accepted: {' '.join(exc.messages)}") from None
        return username

    def _clean_email(self, email: str) -> str:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email[:200]!r} is not an email address.") from None
        return email

    def _check_password(self, password: str, candidate: User) -> None:
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError as exc:
            raise CommandError(f"Password not accepted: {' '.join(exc.messages)}") from None
