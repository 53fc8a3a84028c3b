from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.accounts import services
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

URL = reverse("audit_list")


def _entry(action: str = "team.update", actor: str = "admin", days_ago: int = 0, **fields: object) -> AuditEntry:
    entry = AuditEntry.objects.create(
        actor_label=actor,
        action=action,
        object_type=fields.pop("object_type", "accounts.team"),
        object_id="1",
        object_repr=fields.pop("object_repr", "Platform"),
        **fields,
    )
    if days_ago:
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return entry


@pytest.mark.parametrize("name", ["operator_a", "operator_b", "stakeholder", "viewer"])
def test_it_is_for_administrators_only(client: Client, personas: Personas, name: str) -> None:
    client.force_login(personas.by_name(name))
    assert client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, personas: Personas) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_changes_newest_first_with_what_changed(client: Client, personas: Personas) -> None:
    services.update_team(
        actor=Actor(user=personas.admin), team=personas.team_a, name="Platform team", description="", is_operations=True
    )
    _entry(action="user.invite", object_type="accounts.user", object_repr="Newcomer", days_ago=2)
    client.force_login(personas.admin)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("team.update") < body.index("user.invite")
    assert "<strong>name</strong>:" in body
    assert '<span class="before">Platform</span>' in body
    assert '<span class="after">Platform team</span>' in body
    # Unchanged fields are left out.
    assert "<strong>description</strong>" not in body


def test_it_filters_by_actor_action_type_and_dates(client: Client, personas: Personas) -> None:
    _entry(action="team.create", actor="alice", object_repr="Alpha")
    _entry(action="team.update", actor="bob", object_repr="Bravo")
    _entry(action="user.update", actor="alice", object_type="accounts.user", object_repr="Charlie")
    _entry(action="team.archive", actor="alice", object_repr="Delta", days_ago=10)
    client.force_login(personas.admin)

    def shown(**params: str) -> set[str]:
        response = client.get(URL, params)
        assert response.status_code == 200
        return {name for name in ("Alpha", "Bravo", "Charlie", "Delta") if name in response.content.decode()}

    assert shown(actor="ali") == {"Alpha", "Charlie", "Delta"}
    assert shown(action="team.update") == {"Bravo"}
    assert shown(action="team.") == {"Alpha", "Bravo", "Delta"}
    assert shown(object_type="accounts.user") == {"Charlie"}
    today = timezone.localdate()
    assert shown(date_from=str(today)) == {"Alpha", "Bravo", "Charlie"}
    assert shown(date_to=str(today - timedelta(days=5))) == {"Delta"}
    assert shown(actor="alice", action="team.", date_from=str(today)) == {"Alpha"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The end date is before the start date."),
        ({"object_type": "no.such"}, "Select a valid choice."),
        ({"actor": "x" * 151}, "Ensure this value has at most 150 characters"),
    ],
)
def test_it_explains_bad_filters(client: Client, personas: Personas, params: dict[str, str], message: str) -> None:
    _entry()
    client.force_login(personas.admin)
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Please correct the filters above." in body
    assert "<tbody>" not in body


def test_it_shows_hostile_values_escaped(client: Client, personas: Personas) -> None:
    _entry(actor="<script>alert(1)</script>", object_repr="<img src=x onerror=alert(1)>", after={"name": "<b>bold</b>"})
    client.force_login(personas.admin)
    body = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_it_pages_by_fifty(client: Client, personas: Personas) -> None:
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(actor_label="admin", action="team.update", object_type="accounts.team", object_repr=f"T{i:03}")
            for i in range(120)
        ]
    )
    client.force_login(personas.admin)
    first = client.get(URL, {"action": "team.update"})
    assert first.context["page"].paginator.num_pages == 3
    assert len(first.context["rows"]) == 50
    assert "action=team.update&amp;page=2" in first.content.decode()
    last = client.get(URL, {"action": "team.update", "page": "3"})
    assert len(last.context["rows"]) == 20
    # A page number past the end shows the last page instead of failing.
    assert client.get(URL, {"page": "99"}).context["page"].number == 3
    assert client.get(URL, {"page": "abc"}).context["page"].number == 1


def test_it_keeps_queries_bounded(client: Client, personas: Personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=personas.admin,
                actor_label="admin",
                action="team.update",
                object_type="accounts.team",
                before={"name": "a"},
                after={"name": str(i)},
            )
            for i in range(80)
        ]
    )
    client.force_login(personas.admin)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200


def test_it_answers_htmx_with_the_results_only(client: Client, personas: Personas) -> None:
    _entry(object_repr="Platform")
    client.force_login(personas.admin)
    response = client.get(URL, {"action": "team.update"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="audit-results">')
    assert "<html" not in body
    assert "Platform" in body


def test_it_says_what_to_do_when_nothing_matches(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    body = client.get(URL, {"actor": "nobody"}).content.decode()
    assert "No change matches these filters." in body
    assert "clear the filters" in body


def test_it_refuses_posts(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    assert client.post(URL).status_code == 405
