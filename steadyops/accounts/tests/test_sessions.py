"""Sessions: read with one plain statement, with Django's expiry rule, and the signed-in person loaded through
steadyops' model backend; sessions naming Django's backend are carried over by a migration."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.accounts import backends
from steadyops.accounts.models import Role, User
from steadyops.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_stored_session_loads_and_an_expired_or_unknown_one_is_empty() -> None:
    store = SessionStore()
    store["colour"] = "green"
    store.create()
    assert SessionStore(store.session_key)["colour"] == "green"
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - datetime.timedelta(1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}


def test_a_signed_in_request_is_served_and_a_deactivated_person_is_signed_out(client: Client) -> None:
    user = User.objects.create_user(username="sofia", role=Role.STAKEHOLDER, password="a long passphrase here")
    assert client.post(reverse("login"), {"username": "sofia", "password": "a long passphrase here"}).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == backends.PATH
    assert client.get("/api/v1/me").json()["username"] == "sofia"
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


def test_the_backend_refuses_unknown_and_inactive_people() -> None:
    user = User.objects.create_user(username="ines", role=Role.VIEWER, is_active=False)
    backend = backends.ModelBackend()
    assert backend.get_user(user.pk) is None
    assert backend.get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=True)
    loaded = backend.get_user(str(user.pk))
    assert loaded is not None
    assert loaded.username == "ines"


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_sessions_from_djangos_backend_to_ours_and_back() -> None:
    user = User.objects.create_user(username="leo", role=Role.OPERATOR)
    old = "django.contrib.auth.backends.ModelBackend"
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = old
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    other = SessionStore()
    other[BACKEND_SESSION_KEY] = "steadyops.accounts.oidc.SteadyopsOIDCBackend"
    other.create()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    assert SessionStore(store.session_key)[BACKEND_SESSION_KEY] == old
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0002_sessions_name_steadyops_backend")])
    assert SessionStore(store.session_key)[BACKEND_SESSION_KEY] == backends.PATH
    assert SessionStore(other.session_key)[BACKEND_SESSION_KEY] == "steadyops.accounts.oidc.SteadyopsOIDCBackend"
