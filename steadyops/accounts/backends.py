"""Password sign-in against the User table: Django's model backend, except that the signed-in person of each
request is loaded with one prepared statement (``core.rows.by_pk``) instead of an ORM query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends

from steadyops.accounts.models import User
from steadyops.core.rows import by_pk

# The path sessions record for people signed in with a password; settings.AUTHENTICATION_BACKENDS names it.
PATH = "steadyops.accounts.backends.ModelBackend"


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = by_pk(User, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
