import pytest
from django.test import Client
from django.urls import reverse

from steadyops.accounts.models import Membership
from steadyops.core.models import AuditEntry
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

ADD = reverse("team_member_add", args=["platform"])


def _members(personas: Personas) -> set[str]:
    return set(Membership.objects.filter(team=personas.team_a).values_list("user__username", flat=True))


@pytest.mark.parametrize("name", ["admin", "operator_a"])
def test_it_lets_admins_and_members_add_someone(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    response = client.post(ADD, {"user": "viewer"})
    assert response.status_code == 302
    assert response["Location"] == reverse("team_detail", args=["platform"])
    assert _members(personas) == {"operator_a", "viewer"}
    assert AuditEntry.objects.filter(action="team.member_add").count() == 1
    assert OutboxMessage.objects.filter(recipient=personas.viewer, event="team.member_added").count() == 1


@pytest.mark.parametrize("name", ["operator_b", "stakeholder", "viewer"])
def test_it_refuses_adding_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.post(ADD, {"user": "viewer"}).status_code == 403
    assert _members(personas) == {"operator_a"}


def test_it_offers_only_people_not_yet_in_the_team(client: Client, personas: Personas) -> None:
    personas.stakeholder.is_active = False
    personas.stakeholder.save()
    client.force_login(personas.admin)
    form = client.get(reverse("team_detail", args=["platform"])).context["add_form"]
    assert [user.username for user in form.fields["user"].queryset] == ["admin", "operator_b", "viewer"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"user": "nobody"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"user": "operator_a"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"user": "<script>" * 100}, "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_it_explains_a_bad_choice(client: Client, personas: Personas, data: dict[str, str], message: str) -> None:
    client.force_login(personas.admin)
    response = client.post(ADD, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script><script>" not in response.content.decode()
    assert _members(personas) == {"operator_a"}
    assert not AuditEntry.objects.exists()


def test_it_answers_htmx_with_the_members_section(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(ADD, {"user": "viewer"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="members"')
    assert "Viewer is now in Platform." in body
    assert "<html" not in body
    bad = client.post(ADD, {"user": "nobody"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith('<section id="members"')


@pytest.mark.parametrize("name", ["admin", "operator_a"])
def test_it_lets_admins_and_members_remove_someone(client: Client, personas: Personas, name: str) -> None:
    Membership.objects.create(team=personas.team_a, user=personas.viewer)
    client.force_login(personas.by_name(name))
    response = client.post(reverse("team_member_remove", args=["platform", "viewer"]))
    assert response.status_code == 302
    assert _members(personas) == {"operator_a"}
    assert AuditEntry.objects.filter(action="team.member_remove").count() == 1


@pytest.mark.parametrize("name", ["operator_b", "stakeholder", "viewer"])
def test_it_refuses_removing_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.post(reverse("team_member_remove", args=["platform", "operator_a"])).status_code == 403
    assert _members(personas) == {"operator_a"}


def test_it_answers_404_for_unknown_people_or_teams(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.post(reverse("team_member_remove", args=["platform", "nobody"])).status_code == 404
    assert client.post(reverse("team_member_remove", args=["nope", "viewer"])).status_code == 404
    assert client.post(reverse("team_member_add", args=["nope"]), {"user": "viewer"}).status_code == 404


def test_it_removes_htmx_style(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("team_member_remove", args=["platform", "operator_a"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Nobody is in this team yet." in response.content.decode()


def test_it_changes_members_only_by_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(ADD).status_code == 405
    assert client.get(reverse("team_member_remove", args=["platform", "operator_a"])).status_code == 405


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    assert client.post(ADD, {"user": "viewer"}).status_code == 302
    assert _members(personas) == {"operator_a"}


def test_it_checks_csrf(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin)
    assert client.post(ADD, {"user": "viewer"}).status_code == 403
    assert _members(personas) == {"operator_a"}
