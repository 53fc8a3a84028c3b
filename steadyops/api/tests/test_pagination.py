"""Page-number pagination on every list."""

import pytest

from steadyops.accounts.models import Team
from steadyops.api.testing import assert_error, client_for


@pytest.fixture
def many_teams(personas) -> None:
    Team.objects.bulk_create(Team(slug=f"team-{i:03}", name=f"Team {i:03}") for i in range(230))


def test_it_gives_the_first_50_by_default(personas, many_teams):
    body = client_for(personas.viewer).get("/api/v1/teams").json()

    assert body["count"] == 233
    assert body["page"] == 1
    assert body["page_size"] == 50
    assert len(body["items"]) == 50
    assert body["items"][0]["name"] == "Checkout"


def test_it_gives_the_last_partial_page(personas, many_teams):
    body = client_for(personas.viewer).get("/api/v1/teams?page=5&page_size=50").json()

    assert body["page"] == 5
    assert len(body["items"]) == 33
    assert body["items"][-1]["name"] == "Team 229"


def test_it_gives_pages_up_to_200_items(personas, many_teams):
    body = client_for(personas.viewer).get("/api/v1/teams?page_size=200").json()

    assert len(body["items"]) == 200


def test_it_gives_page_one_of_an_empty_list(personas):
    body = client_for(personas.viewer).get("/api/v1/teams?archived=true").json()

    assert body == {"items": [], "count": 0, "page": 1, "page_size": 50}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=201", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=-5", "page_size"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=6", "page"),
        ("page=99999999999999999999999", "page"),
    ],
)
def test_it_refuses_a_page_out_of_range_with_422(personas, many_teams, query, field):
    response = client_for(personas.viewer).get(f"/api/v1/teams?{query}")

    error = assert_error(response, 422, "invalid")
    assert [detail["field"] for detail in error["details"]] == [field]
    assert error["details"][0]["location"] == "query"


def test_it_says_how_many_pages_there_are_when_asked_for_one_past_the_end(personas, many_teams):
    error = assert_error(client_for(personas.viewer).get("/api/v1/teams?page=4&page_size=100"), 422, "invalid")

    assert error["details"][0]["message"] == "There are only 3 pages."
