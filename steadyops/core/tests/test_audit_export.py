import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas

URL = reverse("audit_export")


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def _entry(**fields: object) -> AuditEntry:
    values = {
        "actor_label": "admin",
        "action": "team.update",
        "object_type": "accounts.team",
        "object_repr": "Platform",
    }
    values.update(fields)
    return AuditEntry.objects.create(**values)


@pytest.mark.parametrize("name", ["operator_a", "operator_b", "stakeholder", "viewer"])
def test_it_is_for_administrators_only(client: Client, personas: Personas, name: str) -> None:
    _entry()
    client.force_login(personas.by_name(name))
    response = client.get(URL)
    assert response.status_code == 403
    assert b"Platform" not in response.content


def test_it_exports_a_csv_file(client: Client, personas: Personas) -> None:
    _entry(before={"name": "Platform"}, after={"name": "Platform team"}, request_id="req-1")
    client.force_login(personas.admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="steadyops-audit-')
    rows = _rows(response)
    assert rows[0] == ["time", "actor", "action", "object_type", "object_id", "object", "before", "after", "request_id"]
    assert rows[1][1:] == [
        "admin",
        "team.update",
        "accounts.team",
        "",
        "Platform",
        '{"name": "Platform"}',
        '{"name": "Platform team"}',
        "req-1",
    ]


def test_it_uses_the_same_filters_as_the_page(client: Client, personas: Personas) -> None:
    _entry(action="team.create", object_repr="Alpha")
    _entry(action="user.update", object_type="accounts.user", object_repr="Bravo")
    client.force_login(personas.admin)
    rows = _rows(client.get(URL, {"action": "team."}))
    assert [row[5] for row in rows[1:]] == ["Alpha"]


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_it_defuses_spreadsheet_formulas(client: Client, personas: Personas, value: str) -> None:
    _entry(actor_label=value, object_repr=value)
    client.force_login(personas.admin)
    row = _rows(client.get(URL))[1]
    assert row[1] == "'" + value
    assert row[5] == "'" + value


def test_it_refuses_bad_filters_without_a_file(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    response = client.get(URL, {"date_from": "not a date"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Enter a valid date." in response.content.decode()
