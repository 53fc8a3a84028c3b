"""A locked database answers 503 with Retry-After, on pages and in the API, and writes nothing."""

import pytest
from django.db import OperationalError

from steadyops.accounts import services
from steadyops.accounts.models import Team
from steadyops.api.testing import client_for, send
from steadyops.testing.personas import Personas


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "create_team", refuse)


def test_it_answers_a_page_with_503_and_retry_after(personas: Personas, client, locked) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas.admin)
    response = client.post("/teams/new/", {"name": "Search"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert b"steadyops is busy for a moment" in response.content
    assert not Team.objects.filter(name="Search").exists()


def test_it_answers_the_api_with_503_in_the_error_shape(personas: Personas, locked) -> None:  # type: ignore[no-untyped-def]
    response = send(client_for(personas.admin), "POST", "/api/v1/teams", {"name": "Search"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "error": {
            "code": "busy",
            "message": "steadyops is busy; nothing was changed. Try again in a moment.",
            "details": None,
        }
    }


def test_it_still_answers_500_for_other_database_errors(personas: Personas, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(**kwargs: object) -> None:
        raise OperationalError("no such table: accounts_team")

    monkeypatch.setattr(services, "create_team", broken)
    response = send(client_for(personas.admin), "POST", "/api/v1/teams", {"name": "Search"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
