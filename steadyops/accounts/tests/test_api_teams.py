import pytest
from django.utils import timezone

from steadyops.accounts.models import Membership, Team, User
from steadyops.api.testing import assert_error, client_for, send
from steadyops.core.models import AuditEntry

HOSTILE = "<script>alert('x')</script>\"; DROP TABLE accounts_team; -- ' OR '1'='1"


def test_it_lists_current_teams_by_name_with_member_counts(personas):
    body = client_for(personas.viewer).get("/api/v1/teams").json()

    assert [(t["slug"], t["member_count"], t["is_operations"]) for t in body["items"]] == [
        ("checkout", 1, True),
        ("marketing", 1, False),
        ("platform", 1, True),
    ]
    assert body["count"] == 3


def test_it_lists_archived_teams_when_asked(personas):
    personas.team_b.archived_at = timezone.now()
    personas.team_b.save()
    client = client_for(personas.viewer)

    current = client.get("/api/v1/teams").json()
    archived = client.get("/api/v1/teams?archived=true").json()

    assert [t["slug"] for t in current["items"]] == ["marketing", "platform"]
    assert [t["slug"] for t in archived["items"]] == ["checkout"]
    assert archived["items"][0]["archived"] is True


def test_it_refuses_an_archived_filter_that_is_not_a_boolean(personas):
    assert_error(client_for(personas.viewer).get("/api/v1/teams?archived=perhaps"), 422, "invalid")


def test_it_lists_teams_in_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    for i in range(40):
        team = Team.objects.create(slug=f"t{i}", name=f"T{i}")
        Membership.objects.create(team=team, user=personas.viewer)
    client = client_for(personas.viewer, session=True)

    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/teams").json()

    assert body["count"] == 43


def test_it_lets_an_admin_create_a_team_and_records_it(personas):
    response = send(
        client_for(personas.admin),
        "post",
        "/api/v1/teams",
        {"name": "Search", "description": "Finds things", "is_operations": False},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "search"
    assert body["member_count"] == 0
    assert body["archived"] is False
    team = Team.objects.get(slug="search")
    assert (team.name, team.description, team.is_operations) == ("Search", "Finds things", False)
    entry = AuditEntry.objects.get(action="team.create")
    assert entry.actor == personas.admin
    assert entry.token is not None


def test_it_keeps_the_slug_given(personas):
    response = send(client_for(personas.admin), "post", "/api/v1/teams", {"name": "Search team", "slug": "srch"})

    assert response.json()["slug"] == "srch"


def test_it_makes_a_slug_of_at_most_50_characters_from_a_long_name(personas):
    name = "Payments and billing reliability engineering for the northern region"

    response = send(client_for(personas.admin), "post", "/api/v1/teams", {"name": name})

    assert response.status_code == 201
    assert response.json()["slug"] == "payments-and-billing-reliability-engineering-for-t"


def test_it_stores_and_returns_hostile_text_verbatim(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": HOSTILE[:100], "slug": "hostile", "description": HOSTILE})

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = client.get("/api/v1/teams/hostile").json()
    assert body["name"] == HOSTILE[:100]
    assert body["description"] == HOSTILE
    assert Team.objects.count() == 4


def test_it_stores_unicode_names(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": "Équipe Ünïcode 🚀 日本"})

    assert response.status_code == 201
    assert response.json()["slug"] == "equipe-unicode"
    assert client.get("/api/v1/teams/equipe-unicode").json()["name"] == "Équipe Ünïcode 🚀 日本"


def test_it_asks_for_a_slug_when_the_name_gives_none(personas):
    response = send(client_for(personas.admin), "post", "/api/v1/teams", {"name": "日本"})

    error = assert_error(response, 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["slug"]
    assert not Team.objects.filter(name="日本").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A\x00B"}, "name"),
        ({"name": "Ok", "description": "x" * 2001}, "description"),
        ({"name": "Ok", "slug": "has space"}, "slug"),
        ({"name": "Ok", "slug": "s" * 51}, "slug"),
        ({"name": "Ok", "is_operations": "yes"}, "is_operations"),
        ({"name": "Ok", "is_operations": 1}, "is_operations"),
        ({"name": ["Ok"]}, "name"),
    ],
)
def test_it_refuses_bad_team_input_with_422_and_creates_nothing(personas, body, field):
    response = send(client_for(personas.admin), "post", "/api/v1/teams", body)

    error = assert_error(response, 422, "invalid")
    assert field in [d["field"] for d in error["details"]]
    assert Team.objects.count() == 3
    assert not AuditEntry.objects.filter(action="team.create").exists()


def test_it_refuses_a_blank_name_after_trimming(personas):
    response = send(client_for(personas.admin), "post", "/api/v1/teams", {"name": "   ", "slug": "blank"})

    assert_error(response, 422, "invalid")
    assert not Team.objects.filter(slug="blank").exists()


def test_it_refuses_a_duplicate_team_with_422(personas):
    response = send(client_for(personas.admin), "post", "/api/v1/teams", {"name": "Platform"})

    error = assert_error(response, 422, "invalid")
    assert {d["field"] for d in error["details"]} == {"slug", "name"}


def test_it_refuses_team_creation_to_non_admins_with_403(personas):
    response = send(client_for(personas.operator_a), "post", "/api/v1/teams", {"name": "Search"})

    error = assert_error(response, 403, "forbidden")
    assert error["message"] == "Only administrators can create teams."
    assert not Team.objects.filter(name="Search").exists()


def test_it_shows_one_team(personas):
    body = client_for(personas.stakeholder).get("/api/v1/teams/platform").json()

    assert body["name"] == "Platform"
    assert body["member_count"] == 1


@pytest.mark.parametrize("slug", ["nope", "has%20space", "%00", "x" * 51])
def test_it_answers_an_unknown_or_malformed_slug_with_404_or_422(personas, slug):
    response = client_for(personas.viewer).get(f"/api/v1/teams/{slug}")

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("not_found", "invalid")


def test_it_lets_a_member_operator_change_only_the_fields_sent(personas):
    personas.team_a.description = "Old"
    personas.team_a.save()

    response = send(client_for(personas.operator_a), "patch", "/api/v1/teams/platform", {"description": "New"})

    assert response.status_code == 200
    personas.team_a.refresh_from_db()
    assert (personas.team_a.name, personas.team_a.description, personas.team_a.is_operations) == (
        "Platform",
        "New",
        True,
    )
    entry = AuditEntry.objects.get(action="team.update")
    assert entry.before["description"] == "Old"
    assert entry.after["description"] == "New"


def test_it_treats_null_as_leave_unchanged(personas):
    response = send(
        client_for(personas.admin), "patch", "/api/v1/teams/platform", {"name": None, "is_operations": False}
    )

    assert response.json()["name"] == "Platform"
    assert response.json()["is_operations"] is False


def test_it_refuses_a_rename_to_a_taken_name(personas):
    response = send(client_for(personas.admin), "patch", "/api/v1/teams/platform", {"name": "Checkout"})

    error = assert_error(response, 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["name"]
    personas.team_a.refresh_from_db()
    assert personas.team_a.name == "Platform"


def test_it_refuses_a_change_by_an_operator_of_another_team(personas):
    response = send(client_for(personas.operator_b), "patch", "/api/v1/teams/platform", {"description": "Mine now"})

    assert_error(response, 403, "forbidden")
    personas.team_a.refresh_from_db()
    assert personas.team_a.description == ""


def test_it_refuses_unknown_fields_in_a_change(personas):
    response = send(client_for(personas.admin), "patch", "/api/v1/teams/platform", {"slug": "renamed"})

    assert_error(response, 422, "invalid")
    assert Team.objects.filter(slug="platform").exists()


def test_it_lets_an_admin_archive_a_team_once(personas):
    client = client_for(personas.admin)

    first = client.post("/api/v1/teams/platform/archive")
    second = client.post("/api/v1/teams/platform/archive")

    assert first.status_code == 200
    assert first.json()["archived"] is True
    assert second.json()["archived_at"] == first.json()["archived_at"]
    assert AuditEntry.objects.filter(action="team.archive").count() == 1


def test_it_refuses_archiving_to_operators(personas):
    assert_error(client_for(personas.operator_a).post("/api/v1/teams/platform/archive"), 403, "forbidden")
    personas.team_a.refresh_from_db()
    assert personas.team_a.archived_at is None


def test_it_stops_operators_changing_an_archived_team(personas):
    personas.team_a.archived_at = timezone.now()
    personas.team_a.save()

    response = send(client_for(personas.operator_a), "patch", "/api/v1/teams/platform", {"description": "x"})

    assert_error(response, 403, "forbidden")


def test_it_keeps_people_when_a_team_is_archived(personas):
    client_for(personas.admin).post("/api/v1/teams/platform/archive")

    assert User.objects.filter(username="operator_a", is_active=True).exists()
