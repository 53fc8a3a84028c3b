import pytest
from django.utils import timezone

from steadyops.accounts.models import Membership, Team
from steadyops.api.testing import assert_error, client_for
from steadyops.testing.personas import make_user


def _usernames(body: dict) -> list[str]:
    return [u["username"] for u in body["items"]]


def test_it_lists_everyone_by_username_with_their_current_teams(personas):
    archived = Team.objects.create(slug="old", name="Old", archived_at=timezone.now())
    Membership.objects.create(team=archived, user=personas.operator_a)

    body = client_for(personas.viewer).get("/api/v1/users").json()

    assert _usernames(body) == ["admin", "operator_a", "operator_b", "stakeholder", "viewer"]
    operator_a = body["items"][1]
    assert operator_a == {
        "username": "operator_a",
        "display_name": "Operator A",
        "email": "operator_a@example.com",
        "role": "operator",
        "is_active": True,
        "teams": [{"slug": "platform", "name": "Platform"}],
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("operator", ["operator_a", "operator_b"]),
        ("OPERATOR A", ["operator_a"]),
        ("stakeholder@example", ["stakeholder"]),
        ("  viewer  ", ["viewer"]),
        ("<script>", []),
        ("' OR '1'='1", []),
        ("%", []),
        ("_", ["operator_a", "operator_b"]),
    ],
)
def test_it_searches_names_and_email_addresses(personas, q, expected):
    body = client_for(personas.viewer).get("/api/v1/users", {"q": q}).json()

    assert _usernames(body) == expected


def test_it_finds_unicode_names(personas):
    zoe = make_user("zoe", "viewer")
    zoe.display_name = "Zoë Ångström"
    zoe.save()

    body = client_for(personas.viewer).get("/api/v1/users", {"q": "Ångström"}).json()

    assert _usernames(body) == ["zoe"]


def test_it_keeps_a_teams_members(personas):
    body = client_for(personas.viewer).get("/api/v1/users?team=checkout").json()

    assert _usernames(body) == ["operator_b"]


def test_it_finds_no_one_in_an_unknown_team(personas):
    body = client_for(personas.viewer).get("/api/v1/users?team=nope").json()

    assert body["count"] == 0


@pytest.mark.parametrize("query", [{"q": "x" * 101}, {"q": "a\x00b"}, {"team": "not a slug"}])
def test_it_refuses_bad_filters_with_422(personas, query):
    assert_error(client_for(personas.viewer).get("/api/v1/users", query), 422, "invalid")


def test_it_lists_people_in_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    for i in range(60):
        make_user(f"person{i:02}", "viewer", personas.team_a, personas.team_b)
    client = client_for(personas.viewer, session=True)

    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/users?page_size=100").json()

    assert body["count"] == 65
    assert body["items"][10]["teams"] == [
        {"slug": "checkout", "name": "Checkout"},
        {"slug": "platform", "name": "Platform"},
    ]


def test_it_shows_one_person(personas):
    body = client_for(personas.stakeholder).get("/api/v1/users/operator_b").json()

    assert body["teams"] == [{"slug": "checkout", "name": "Checkout"}]


def test_it_answers_404_for_an_unknown_person(personas):
    assert_error(client_for(personas.stakeholder).get("/api/v1/users/nobody"), 404, "not_found")
