import pytest

from steadyops.accounts.models import Membership, Team
from steadyops.accounts.services import update_user
from steadyops.api.testing import assert_error, client_for, send
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import make_user


def test_it_lists_a_teams_members_by_username(personas):
    Membership.objects.create(team=personas.team_a, user=personas.viewer)

    body = client_for(personas.stakeholder).get("/api/v1/teams/platform/members").json()

    assert [(m["username"], m["role"]) for m in body["items"]] == [("operator_a", "operator"), ("viewer", "viewer")]
    assert body["count"] == 2


def test_it_lists_members_in_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    for i in range(40):
        Membership.objects.create(team=personas.team_a, user=make_user(f"member{i:02}", "viewer"))
    client = client_for(personas.viewer, session=True)

    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/teams/platform/members?page_size=200").json()

    assert len(body["items"]) == 41


def test_it_lets_a_member_operator_add_someone_and_tells_them(personas):
    response = send(client_for(personas.operator_a), "post", "/api/v1/teams/platform/members", {"username": "viewer"})

    assert response.status_code == 201
    assert response.json()["username"] == "viewer"
    assert Membership.objects.filter(team=personas.team_a, user=personas.viewer).exists()
    assert AuditEntry.objects.filter(action="team.member_add").count() == 1
    assert OutboxMessage.objects.filter(recipient=personas.viewer, event="team.member_added").count() == 1


def test_it_adds_someone_already_in_the_team_without_a_second_record(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams/platform/members", {"username": "operator_a"})

    assert response.status_code == 201
    assert Membership.objects.filter(team=personas.team_a).count() == 1
    assert not AuditEntry.objects.filter(action="team.member_add").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "nobody"}, "username"),
        ({}, "username"),
        ({"username": "a b"}, "username"),
        ({"username": 7}, "username"),
    ],
)
def test_it_refuses_an_unknown_or_malformed_username_with_422(personas, body, field):
    response = send(client_for(personas.admin), "post", "/api/v1/teams/platform/members", body)

    error = assert_error(response, 422, "invalid")
    assert [d["field"] for d in error["details"]] == [field]
    assert Membership.objects.filter(team=personas.team_a).count() == 1


def test_it_refuses_to_add_a_deactivated_person(personas):
    update_user(
        actor=Actor(user=personas.admin),
        user=personas.viewer,
        email="viewer@example.com",
        display_name="Viewer",
        role="viewer",
        is_active=False,
    )

    response = send(client_for(personas.admin), "post", "/api/v1/teams/platform/members", {"username": "viewer"})

    error = assert_error(response, 422, "invalid")
    assert "deactivated" in error["message"]
    assert not Membership.objects.filter(team=personas.team_a, user=personas.viewer).exists()


def test_it_refuses_adding_to_another_operators_team(personas):
    response = send(
        client_for(personas.operator_b), "post", "/api/v1/teams/platform/members", {"username": "operator_b"}
    )

    assert_error(response, 403, "forbidden")
    assert not Membership.objects.filter(team=personas.team_a, user=personas.operator_b).exists()


def test_it_answers_404_for_members_of_an_unknown_team(personas):
    assert_error(client_for(personas.admin).get("/api/v1/teams/nope/members"), 404, "not_found")
    assert_error(
        send(client_for(personas.admin), "post", "/api/v1/teams/nope/members", {"username": "viewer"}), 404, "not_found"
    )


def test_it_lets_a_member_operator_remove_someone(personas):
    Membership.objects.create(team=personas.team_a, user=personas.viewer)

    response = client_for(personas.operator_a).delete("/api/v1/teams/platform/members/viewer")

    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(team=personas.team_a, user=personas.viewer).exists()
    assert AuditEntry.objects.filter(action="team.member_remove").count() == 1


def test_it_removes_someone_not_in_the_team_without_a_record(personas):
    response = client_for(personas.admin).delete("/api/v1/teams/platform/members/viewer")

    assert response.status_code == 204
    assert not AuditEntry.objects.filter(action="team.member_remove").exists()


def test_it_answers_404_when_removing_an_unknown_person(personas):
    assert_error(client_for(personas.admin).delete("/api/v1/teams/platform/members/nobody"), 404, "not_found")


def test_it_refuses_removal_by_a_viewer(personas):
    response = client_for(personas.viewer).delete("/api/v1/teams/platform/members/operator_a")

    assert_error(response, 403, "forbidden")
    assert Membership.objects.filter(team=personas.team_a, user=personas.operator_a).exists()
    assert Team.objects.get(slug="platform").memberships.count() == 1
