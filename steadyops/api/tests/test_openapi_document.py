"""The OpenAPI document declares every answer an operation may give, and the scope it needs."""

import pytest
from django.test import Client

from steadyops.api.api import ERROR_STATUSES

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(db) -> dict:
    return Client().get("/api/v1/openapi.json").json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_it_declares_every_error_status_on_every_operation(document):
    for path, method, operation in _operations(document):
        declared = {int(status) for status in operation["responses"]}
        assert set(ERROR_STATUSES) <= declared, (method, path, sorted(declared))
        for status in ERROR_STATUSES:
            schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}


def test_it_describes_the_error_shape(document):
    error = document["components"]["schemas"]["Error"]

    assert error["required"] == ["error"]
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "details"}


def test_it_names_the_scope_each_operation_needs(document):
    seen = {}
    for path, method, operation in _operations(document):
        security = operation["security"]
        # Alert webhooks are called by monitoring systems, with a token only; everything else also by a browser.
        token_only = path.startswith("/api/v1/incidents/alerts/")
        assert security[1:] == ([] if token_only else [{"SessionAuth": []}]), (method, path)
        (scope,) = security[0]["TokenAuth"]
        assert f"scope `{scope}`" in operation["description"]
        seen[(method, path)] = scope

    assert seen[("post", "/api/v1/incidents/alerts/alertmanager")] == "alerts"
    assert seen[("get", "/api/v1/teams")] == "read"
    assert seen[("post", "/api/v1/teams")] == "write"
    assert seen[("delete", "/api/v1/teams/{slug}/members/{username}")] == "write"


def test_it_refuses_nul_characters_in_text_it_stores(document):
    team_in = document["components"]["schemas"]["TeamIn"]

    assert team_in["properties"]["name"]["pattern"] == "^[^\\x00]*$"
    assert team_in["additionalProperties"] is False
