import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from steadyops.accounts.models import Membership, Role, User
from steadyops.core.models import AuditEntry
from steadyops.notify.models import OutboxMessage
from steadyops.testing.personas import Personas

OTHERS = ["operator_a", "operator_b", "stakeholder", "viewer"]
INVITE = {"username": "newcomer", "email": "New@Example.com", "display_name": "New Comer", "role": "stakeholder"}


# --- Directory -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin", *OTHERS])
def test_it_shows_the_directory_to_everyone_signed_in(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    response = client.get(reverse("people_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert [p.username for p in response.context["page"]] == [
        "admin",
        "operator_a",
        "operator_b",
        "stakeholder",
        "viewer",
    ]
    assert '<span class="badge badge-stakeholder">Stakeholder</span>' in body
    assert ("Invite someone" in body) is (name == "admin")


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    for url in (reverse("people_list"), reverse("person_detail", args=["viewer"]), reverse("person_create")):
        assert client.get(url).status_code == 302


def test_it_searches_by_name(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("people_list"), {"q": "operator"})
    assert [p.username for p in response.context["page"]] == ["operator_a", "operator_b"]
    response = client.get(reverse("people_list"), {"q": "Stake"})
    assert [p.username for p in response.context["page"]] == ["stakeholder"]


def test_it_says_what_to_do_when_nobody_matches(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    body = client.get(reverse("people_list"), {"q": "<b>zz</b>"}).content.decode()
    assert "Nobody matches “&lt;b&gt;zz&lt;/b&gt;”." in body
    assert "search for part of the name" in body


def test_it_refuses_an_oversized_search(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("people_list"), {"q": "x" * 101})
    assert response.status_code == 400
    assert "Ensure this value has at most 100 characters (it has 101)." in response.content.decode()


def test_it_shows_teams_without_archived_ones(client: Client, personas: Personas) -> None:
    from django.utils import timezone

    personas.team_b.archived_at = timezone.now()
    personas.team_b.save()
    client.force_login(personas.viewer)
    body = client.get(reverse("people_list")).content.decode()
    assert ">Platform</a>" in body
    assert ">Checkout</a>" not in body


def test_it_pages_with_bounded_queries(
    client: Client,
    personas: Personas,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    users = User.objects.bulk_create([User(username=f"person{i:02}", email=f"p{i}@example.com") for i in range(40)])
    Membership.objects.bulk_create(
        [Membership(team=team, user=user) for user in users for team in (personas.team_a, personas.team_b)]
    )
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("people_list"))
    assert len(response.context["page"].object_list) == 25
    assert "q=operator&amp;page=2" not in response.content.decode()
    with django_assert_max_num_queries(6):
        response = client.get(reverse("people_list"), {"q": "person", "page": "2"})
    assert len(response.context["page"].object_list) == 15
    assert "q=person&amp;page=1" in response.content.decode()


def test_it_answers_htmx_searches_with_the_results_only(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("people_list"), {"q": "view"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="people-results">')
    assert "<html" not in body


# --- Invite --------------------------------------------------------------------


def test_it_lets_an_admin_invite_someone(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("person_create")).status_code == 200
    response = client.post(reverse("person_create"), {**INVITE, "teams": [personas.marketing.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=["newcomer"])
    person = User.objects.get(username="newcomer")
    assert (person.email, person.display_name, person.role) == ("new@example.com", "New Comer", Role.STAKEHOLDER)
    assert not person.has_usable_password()
    assert list(person.teams.all()) == [personas.marketing]
    assert AuditEntry.objects.filter(action="user.invite").count() == 1
    invitation = OutboxMessage.objects.get(event="user.invited")
    assert invitation.target == "new@example.com"
    assert f"{settings.SITE_URL}/accounts/reset/" in invitation.body
    assert "We emailed new@example.com a link" in client.get(response["Location"]).content.decode()


def test_the_invitation_link_lets_the_person_choose_a_password(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    client.post(reverse("person_create"), INVITE)
    body = OutboxMessage.objects.get(event="user.invited").body
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", body).group(1)  # type: ignore[union-attr]
    newcomer = Client()
    form_url = newcomer.get(link)["Location"]
    password = "purple giraffe on a bicycle"
    assert newcomer.post(form_url, {"new_password1": password, "new_password2": password}).status_code == 302
    assert newcomer.post(reverse("login"), {"username": "newcomer", "password": password}).status_code == 302


@pytest.mark.parametrize("name", OTHERS)
def test_it_refuses_invitations_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(reverse("person_create")).status_code == 403
    assert client.post(reverse("person_create"), INVITE).status_code == 403
    assert not User.objects.filter(username="newcomer").exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"username": "x" * 151}, "Ensure this value has at most 150 characters (it has 151)."),
        ({"username": "has space"}, "Enter a valid username."),
        ({"username": "Viewer"}, "Someone already has this user name."),
        ({"username": "new"}, "kept for the page that adds people"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "VIEWER@example.com"}, "Someone already uses this email address."),
        ({"display_name": "d" * 151}, "Ensure this value has at most 150 characters (it has 151)."),
        ({"role": "superuser"}, "Select a valid choice. superuser is not one of the available choices."),
        ({"teams": ["999999"]}, "Select a valid choice. 999999 is not one of the available choices."),
        ({"teams": ["abc"]}, "“abc” is not a valid value."),
    ],
)
def test_it_explains_bad_invitations(
    client: Client, personas: Personas, changes: dict[str, object], message: str
) -> None:
    client.force_login(personas.admin)
    before = User.objects.count()
    response = client.post(reverse("person_create"), {**INVITE, **changes})
    assert response.status_code == 400
    body = response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert message in body
    assert User.objects.count() == before
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_shows_hostile_names_escaped(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    client.post(reverse("person_create"), {**INVITE, "display_name": "<script>alert(1)</script>"})
    for url in (reverse("people_list"), reverse("person_detail", args=["newcomer"])):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_it_answers_htmx_invitations_with_the_form_or_a_redirect(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    bad = client.post(reverse("person_create"), {**INVITE, "email": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith('<form method="post" class="form" novalidate id="person-form"')
    good = client.post(reverse("person_create"), INVITE, HTTP_HX_REQUEST="true")
    assert good["HX-Redirect"] == reverse("person_detail", args=["newcomer"])


# --- Detail and edit -----------------------------------------------------------


@pytest.mark.parametrize("name", ["admin", *OTHERS])
def test_it_shows_a_person_to_everyone_signed_in(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    response = client.get(reverse("person_detail", args=["operator_a"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert ">Platform</a>" in body
    assert (reverse("person_edit", args=["operator_a"]) in body) is (name == "admin")
    assert ("Last signed in" in body) is (name in ("admin", "operator_a"))
    assert (response.context["tokens"] is not None) is (name == "admin")


def test_it_answers_404_for_an_unknown_person(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("person_detail", args=["nobody"])).status_code == 404
    assert client.get(reverse("person_edit", args=["nobody"])).status_code == 404


def test_it_lets_an_admin_change_a_person(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("person_edit", args=["viewer"])).status_code == 200
    response = client.post(
        reverse("person_edit", args=["viewer"]),
        {"email": "v@example.com", "display_name": "Vera", "role": "operator", "is_active": "on"},
    )
    assert response.status_code == 302
    personas.viewer.refresh_from_db()
    assert (personas.viewer.email, personas.viewer.display_name, personas.viewer.role) == (
        "v@example.com",
        "Vera",
        Role.OPERATOR,
    )
    assert AuditEntry.objects.filter(action="user.update").count() == 1


def test_it_deactivates_a_person(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    client.post(
        reverse("person_edit", args=["viewer"]),
        {"email": "viewer@example.com", "display_name": "Viewer", "role": "viewer"},
    )
    personas.viewer.refresh_from_db()
    assert personas.viewer.is_active is False
    assert "can no longer sign in" in client.get(reverse("person_detail", args=["viewer"])).content.decode()


@pytest.mark.parametrize("name", OTHERS)
def test_it_refuses_changes_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(reverse("person_edit", args=["viewer"])).status_code == 403
    data = {"email": "x@example.com", "display_name": "X", "role": "admin", "is_active": "on"}
    assert client.post(reverse("person_edit", args=["viewer"]), data).status_code == 403
    personas.viewer.refresh_from_db()
    assert personas.viewer.role == Role.VIEWER


def test_it_stops_admins_demoting_themselves(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(
        reverse("person_edit", args=["admin"]),
        {"email": "admin@example.com", "display_name": "Admin", "role": "viewer", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "You cannot remove your own administrator role or deactivate yourself." in response.content.decode()
    personas.admin.refresh_from_db()
    assert personas.admin.role == Role.ADMIN


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "This field is required."),
        ({"email": "a" * 250 + "@example.com"}, "Ensure this value has at most 254 characters"),
        ({"email": "operator_a@example.com"}, "Someone already uses this email address."),
        ({"role": "root"}, "Select a valid choice. root is not one of the available choices."),
        ({"display_name": "n" * 151}, "Ensure this value has at most 150 characters (it has 151)."),
    ],
)
def test_it_explains_bad_changes(client: Client, personas: Personas, changes: dict[str, str], message: str) -> None:
    client.force_login(personas.admin)
    data = {"email": "viewer@example.com", "display_name": "Viewer", "role": "viewer", "is_active": "on", **changes}
    response = client.post(reverse("person_edit", args=["viewer"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEntry.objects.exists()
