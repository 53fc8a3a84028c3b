from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

# Paths like /people/new/ and /teams/new/ would hide a person or team with one of these names.
RESERVED_NAMES = frozenset({"new"})


class Role(models.TextChoices):
    """What a person may do in steadyops, across all teams."""

    ADMIN = "admin", "Administrator"
    OPERATOR = "operator", "Operator (operations and engineering)"
    STAKEHOLDER = "stakeholder", "Stakeholder (marketing, sales, support)"
    VIEWER = "viewer", "Viewer (read only)"


class User(AbstractUser):
    """A person who signs in: an engineer, a manager, or a colleague from marketing, sales or support."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN and self.is_active

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Django's admin site and permission checks read is_staff/is_superuser; the role is the one source.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)


class Team(models.Model):
    """A group of people who own things together: an ops team (platform, checkout) or a business team (marketing)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    is_operations = models.BooleanField(
        default=True, help_text="Operations and engineering teams own services; business teams do not."
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person belonging to a team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]
        ordering = ["team__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


TOKEN_PREFIX = "sto_"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values, so a plain SHA-256 is enough: no
    # dictionary attack applies, and lookups stay one indexed query.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A secret that lets a program (a pipeline, Alertmanager, a script) act for a person, within scopes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active
