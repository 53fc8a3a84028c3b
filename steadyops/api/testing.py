"""Helpers for API tests in every module: a client acting as a persona, by token or by session."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from steadyops.accounts.models import ApiToken, User, hash_token, new_token_value


def make_token(user: User, scopes: list[str], *, name: str = "test token") -> tuple[ApiToken, str]:
    """A token for user with exactly these scopes, made directly so tests can give any scope set."""
    raw = new_token_value()
    token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), hint=raw[:10], scopes=scopes)
    return token, raw


def token_client(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def client_for(user: User | None, *, scopes: list[str] | None = None, session: bool = False) -> Client:
    """A client acting as user: through a fresh token with scopes (default read and write), or a session with
    CSRF checks on. None is anonymous."""
    if user is None:
        return Client(enforce_csrf_checks=True)
    if session:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        return client
    _, raw = make_token(user, scopes if scopes is not None else ["read", "write"])
    return token_client(raw)


def send(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> Any:
    """Send data as a JSON body (bytes and str are sent as they are)."""
    kwargs: dict[str, Any] = {"content_type": "application/json", **extra}
    if data is not None:
        kwargs["data"] = data if isinstance(data, bytes | str) else json.dumps(data)
    return getattr(client, method.lower())(url, **kwargs)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is an error in the API's one shape, with this status and code; returns the error."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]
