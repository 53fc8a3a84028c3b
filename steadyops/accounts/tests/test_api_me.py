from steadyops.accounts.models import Team
from steadyops.api.testing import assert_error, client_for, make_token, token_client


def test_it_describes_the_person_calling_through_a_session(personas):
    body = client_for(personas.operator_a, session=True).get("/api/v1/me").json()

    assert body == {
        "username": "operator_a",
        "display_name": "Operator A",
        "email": "operator_a@example.com",
        "role": "operator",
        "teams": [{"slug": "platform", "name": "Platform"}],
        "token": None,
    }


def test_it_names_the_token_and_its_scopes_when_called_with_one(personas):
    _, raw = make_token(personas.stakeholder, ["read"], name="Weekly report <script>")

    body = token_client(raw).get("/api/v1/me").json()

    assert body["token"] == {"name": "Weekly report <script>", "scopes": ["read"]}
    assert body["teams"] == [{"slug": "marketing", "name": "Marketing"}]


def test_it_leaves_archived_teams_out(personas):
    Team.objects.filter(pk=personas.team_a.pk).update(archived_at="2025-01-01T00:00:00Z")

    body = client_for(personas.operator_a).get("/api/v1/me").json()

    assert body["teams"] == []


def test_it_answers_anonymous_with_401(db):
    assert_error(client_for(None).get("/api/v1/me"), 401, "not_authenticated")
