import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.accounts.models import Team
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

OTHERS = ["operator_a", "operator_b", "stakeholder", "viewer"]


# --- List ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin", *OTHERS])
def test_it_lists_teams_to_everyone_signed_in(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    response = client.get(reverse("team_list"))
    assert response.status_code == 200
    assert [team.name for team in response.context["page"]] == ["Checkout", "Marketing", "Platform"]
    assert ("New team" in response.content.decode()) is (name == "admin")


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    for url in (reverse("team_list"), reverse("team_detail", args=["platform"]), reverse("team_create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_hides_archived_teams_unless_asked(client: Client, personas: Personas) -> None:
    Team.objects.filter(pk=personas.team_b.pk).update(archived_at=timezone.now())
    client.force_login(personas.viewer)
    assert "Checkout" not in client.get(reverse("team_list")).content.decode()
    body = client.get(reverse("team_list"), {"archived": "1"}).content.decode()
    assert "Checkout" in body
    assert "Archived" in body


def test_it_shows_member_counts(client: Client, personas: Personas) -> None:
    client.force_login(personas.viewer)
    page = client.get(reverse("team_list")).context["page"]
    assert {team.name: team.member_count for team in page} == {"Checkout": 1, "Marketing": 1, "Platform": 1}


def test_it_pages_the_list_with_bounded_queries(
    client: Client,
    personas: Personas,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    Team.objects.bulk_create([Team(slug=f"team-{i:02}", name=f"Team {i:02}") for i in range(40)])
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("team_list"))
    assert len(response.context["page"].object_list) == 25
    second = client.get(reverse("team_list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 18


def test_it_says_what_to_do_with_no_teams(client: Client, personas: Personas) -> None:
    Team.objects.all().delete()
    client.force_login(personas.viewer)
    assert "ask one to set yours up" in client.get(reverse("team_list")).content.decode()
    client.force_login(personas.admin)
    assert "Create the first one" in client.get(reverse("team_list")).content.decode()


# --- Create ---------------------------------------------------------------------


def test_it_lets_an_admin_create_a_team(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("team_create")).status_code == 200
    response = client.post(
        reverse("team_create"), {"name": "Search", "description": "Runs search", "is_operations": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("team_detail", args=["search"])
    team = Team.objects.get(slug="search")
    assert (team.name, team.description, team.is_operations) == ("Search", "Runs search", True)
    assert AuditEntry.objects.filter(action="team.create", object_id=str(team.pk)).count() == 1


@pytest.mark.parametrize("name", OTHERS)
def test_it_refuses_team_creation_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(reverse("team_create")).status_code == 403
    assert client.post(reverse("team_create"), {"name": "Search"}).status_code == 403
    assert not Team.objects.filter(name="Search").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"name": "Search", "description": "d" * 2001}, "Ensure this value has at most 2000 characters (it has 2001)."),
        ({"name": "Platform"}, "A team with this name, or one written almost the same way, already exists."),
        ({"name": "  "}, "This field is required."),
        ({"name": "platform"}, "A team with this name, or one written almost the same way, already exists."),
        ({"name": "New"}, "Please choose another name; “new” is kept for the page that creates teams."),
        ({"name": "!!!"}, "Use at least one letter or digit (a to z, 0 to 9) in the name."),
        ({"name": "CHECKOUT!"}, "A team with this name, or one written almost the same way, already exists."),
    ],
)
def test_it_explains_bad_team_input(client: Client, personas: Personas, data: dict[str, str], message: str) -> None:
    client.force_login(personas.admin)
    before = Team.objects.count()
    response = client.post(reverse("team_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert Team.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_it_answers_htmx_form_posts_with_the_form_or_a_redirect(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    bad = client.post(reverse("team_create"), {"name": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith('<form method="post" class="form" novalidate id="team-form"')
    good = client.post(reverse("team_create"), {"name": "Search"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 200
    assert good["HX-Redirect"] == reverse("team_detail", args=["search"])


def test_it_shows_hostile_team_names_escaped(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    client.post(reverse("team_create"), {"name": "<script>x</script>", "description": "<img src=x onerror=y>"})
    team = Team.objects.get(name="<script>x</script>")
    body = client.get(reverse("team_detail", args=[team.slug])).content.decode()
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=y&gt;" in body
    assert "<script>x</script>" not in client.get(reverse("team_list")).content.decode()


def test_it_checks_csrf_on_team_creation(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin)
    assert client.post(reverse("team_create"), {"name": "Search"}).status_code == 403
    assert not Team.objects.filter(name="Search").exists()


# --- Detail, edit, archive ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "can_edit", "can_archive"),
    [
        ("admin", True, True),
        ("operator_a", True, False),
        ("operator_b", False, False),
        ("stakeholder", False, False),
        ("viewer", False, False),
    ],
)
def test_it_shows_buttons_only_to_those_allowed(
    client: Client, personas: Personas, name: str, can_edit: bool, can_archive: bool
) -> None:
    client.force_login(personas.by_name(name))
    response = client.get(reverse("team_detail", args=["platform"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Operator A" in body
    assert (reverse("team_edit", args=["platform"]) in body) is can_edit
    assert (reverse("team_member_add", args=["platform"]) in body) is can_edit
    assert (reverse("team_member_remove", args=["platform", "operator_a"]) in body) is can_edit
    assert (reverse("team_archive", args=["platform"]) in body) is can_archive


def test_it_answers_404_for_an_unknown_team(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("team_detail", args=["nope"])).status_code == 404
    assert client.get(reverse("team_edit", args=["nope"])).status_code == 404
    assert client.post(reverse("team_archive", args=["nope"])).status_code == 404


@pytest.mark.parametrize("name", ["admin", "operator_a"])
def test_it_lets_admins_and_members_edit(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(reverse("team_edit", args=["platform"])).status_code == 200
    response = client.post(
        reverse("team_edit", args=["platform"]), {"name": "Platform team", "description": "Kubernetes"}
    )
    assert response.status_code == 302
    personas.team_a.refresh_from_db()
    assert (personas.team_a.name, personas.team_a.description, personas.team_a.is_operations) == (
        "Platform team",
        "Kubernetes",
        False,
    )
    assert AuditEntry.objects.filter(action="team.update").count() == 1


@pytest.mark.parametrize("name", ["operator_b", "stakeholder", "viewer"])
def test_it_refuses_editing_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(reverse("team_edit", args=["platform"])).status_code == 403
    response = client.post(reverse("team_edit", args=["platform"]), {"name": "Hijacked"})
    assert response.status_code == 403
    personas.team_a.refresh_from_db()
    assert personas.team_a.name == "Platform"


def test_it_refuses_a_taken_name_on_edit(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("team_edit", args=["platform"]), {"name": "Checkout"})
    assert response.status_code == 400
    assert "A team with this name, or one written almost the same way, already exists." in response.content.decode()
    personas.team_a.refresh_from_db()
    assert personas.team_a.name == "Platform"


def test_it_lets_an_admin_archive(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("team_archive", args=["checkout"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("team_list")
    personas.team_b.refresh_from_db()
    assert personas.team_b.archived_at is not None
    assert AuditEntry.objects.filter(action="team.archive").count() == 1
    assert "is archived" in client.get(reverse("team_list")).content.decode()


@pytest.mark.parametrize("name", OTHERS)
def test_it_refuses_archiving_to_others(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.post(reverse("team_archive", args=["platform"])).status_code == 403
    personas.team_a.refresh_from_db()
    assert personas.team_a.archived_at is None


def test_it_archives_only_by_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("team_archive", args=["platform"])).status_code == 405
