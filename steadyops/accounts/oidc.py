"""Single sign-on through an OpenID Connect provider (Keycloak, Entra ID, Google, Authentik...)."""

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from steadyops.accounts.models import RESERVED_NAMES, User
from steadyops.core import audit
from steadyops.core.actor import Actor

USER_FIELDS = ["username", "email", "display_name", "role", "is_active"]
# Django accepts these in user names; anything else in an email's local part is dropped.
_NOT_ALLOWED = re.compile(r"[^\w.@+-]")
_MAX_USERNAME = 150


def username_from_email(email: str) -> str:
    """The email's local part, cleaned to what Django accepts, made unique by a number when taken."""
    local = _NOT_ALLOWED.sub("", email.split("@", 1)[0])[:_MAX_USERNAME] or "user"
    candidate, number = local, 1
    while candidate.lower() in RESERVED_NAMES or User.objects.filter(username__iexact=candidate).exists():
        number += 1
        suffix = str(number)
        candidate = local[: _MAX_USERNAME - len(suffix)] + suffix
    return candidate


def _display_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return str(name).strip()[:150]


class SteadyopsOIDCBackend(OIDCAuthenticationBackend):
    """Signs people in through the provider; a first sign-in creates the account with the configured default role."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email")) and super().verify_claims(claims)

    def create_user(self, claims: dict[str, Any]) -> User:
        email = str(claims["email"]).strip().lower()
        with transaction.atomic():
            user = User(
                username=username_from_email(email),
                email=email,
                display_name=_display_name(claims),
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
                role=getattr(settings, "OIDC_DEFAULT_ROLE", "viewer"),
            )
            user.set_unusable_password()
            user.save()
            audit.record(
                actor=Actor.system_actor("single sign-on"),
                action="user.sso_create",
                obj=user,
                after=audit.snapshot(user, USER_FIELDS),
            )
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        # The provider is the source of truth for names; roles and teams stay steadyops' business.
        display_name = _display_name(claims)
        if display_name and display_name != user.display_name:
            with transaction.atomic():
                before = audit.snapshot(user, USER_FIELDS)
                user.display_name = display_name
                user.save(update_fields=["display_name"])
                audit.record(
                    actor=Actor.system_actor("single sign-on"),
                    action="user.sso_update",
                    obj=user,
                    before=before,
                    after=audit.snapshot(user, USER_FIELDS),
                )
        return user
