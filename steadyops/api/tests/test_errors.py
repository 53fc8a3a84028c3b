"""Every failure is answered in the one error shape, with the right status."""

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import Http404
from ninja import NinjaAPI
from ninja.testing import TestClient
from ninja.throttling import AnonRateThrottle

from steadyops.api import errors
from steadyops.api.errors import ApiError
from steadyops.api.testing import assert_error, client_for, send

_raising = NinjaAPI(urls_namespace="errors_test")
errors.install(_raising)

FAILURES = {
    "crash": RuntimeError("boom"),
    "denied": PermissionDenied("Only administrators can create teams."),
    "denied-plain": PermissionDenied(),
    "missing": Http404("no such team"),
    "too-big": RequestDataTooBig("too big"),
    "conflict": IntegrityError("duplicate key"),
    "field-invalid": ValidationError({"name": ["This name is taken."], "__all__": ["Check the dates."]}),
    "invalid": ValidationError("viewer is deactivated and cannot join a team."),
    "teapot": ApiError(409, "Already decided.", details={"decision": 4}),
}


@_raising.get("/fail/{name}", auth=None)
def fail(request, name: str):
    raise FAILURES[name]


@_raising.get("/throttled", auth=None, throttle=AnonRateThrottle("1/h"))
def throttled(request):
    return {"ok": True}


@pytest.fixture
def raising() -> TestClient:
    return TestClient(_raising)


def test_it_answers_an_unexpected_exception_with_500_and_logs_it(raising, caplog):
    response = raising.get("/fail/crash")

    error = assert_error(response, 500, "server_error")
    assert "boom" not in error["message"]
    assert any(record.exc_info and str(record.exc_info[1]) == "boom" for record in caplog.records)


def test_it_maps_permission_denied_from_a_service_to_403_with_its_message(raising):
    error = assert_error(raising.get("/fail/denied"), 403, "forbidden")

    assert error["message"] == "Only administrators can create teams."


def test_it_gives_a_default_message_to_a_bare_permission_denied(raising):
    error = assert_error(raising.get("/fail/denied-plain"), 403, "forbidden")

    assert error["message"] == "You are not allowed to do this."


def test_it_maps_http404_to_404_without_leaking_the_reason(raising):
    error = assert_error(raising.get("/fail/missing"), 404, "not_found")

    assert "no such team" not in error["message"]


def test_it_maps_request_data_too_big_to_413(raising):
    assert_error(raising.get("/fail/too-big"), 413, "too_large")


def test_it_maps_an_integrity_error_to_409(raising):
    assert_error(raising.get("/fail/conflict"), 409, "conflict")


def test_it_maps_a_django_validation_error_to_422_with_one_detail_per_field(raising):
    error = assert_error(raising.get("/fail/field-invalid"), 422, "invalid")

    assert error["details"] == [
        {"field": "name", "location": None, "message": "This name is taken."},
        {"field": None, "location": None, "message": "Check the dates."},
    ]
    assert error["message"] == "name: This name is taken."


def test_it_uses_a_non_field_validation_message_as_the_message(raising):
    error = assert_error(raising.get("/fail/invalid"), 422, "invalid")

    assert error["message"] == "viewer is deactivated and cannot join a team."
    assert error["details"] == [
        {"field": None, "location": None, "message": "viewer is deactivated and cannot join a team."}
    ]


def test_it_answers_an_api_error_with_its_own_status_message_and_details(raising):
    error = assert_error(raising.get("/fail/teapot"), 409, "conflict")

    assert error == {"code": "conflict", "message": "Already decided.", "details": {"decision": 4}}


def test_it_answers_throttling_with_429_and_retry_after(raising):
    assert raising.get("/throttled").status_code == 200

    response = raising.get("/throttled")

    assert_error(response, 429, "too_many_requests")
    assert int(response["Retry-After"]) > 0


def test_it_answers_malformed_json_with_400(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", b'{"name": "Half')

    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "The request body is not valid JSON."


def test_it_answers_a_body_that_is_not_an_object_with_422(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", b'["Platform"]')

    assert_error(response, 422, "invalid")


def test_it_answers_wrong_types_with_422_naming_each_field(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": 12, "is_operations": "yes", "description": None})

    error = assert_error(response, 422, "invalid")
    fields = sorted((detail["field"], detail["location"]) for detail in error["details"])
    assert fields == [("description", "body"), ("is_operations", "body"), ("name", "body")]


def test_it_refuses_unknown_fields_rather_than_ignoring_them(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams", {"name": "Search", "descripton": "typo"})

    error = assert_error(response, 422, "invalid")
    assert error["details"] == [
        {"field": "descripton", "location": "body", "message": "Extra inputs are not permitted"}
    ]


def test_it_answers_a_missing_body_with_422(personas):
    client = client_for(personas.admin)

    response = send(client, "post", "/api/v1/teams")

    assert_error(response, 422, "invalid")


def test_it_answers_an_unknown_api_address_with_404_in_the_error_shape(personas):
    client = client_for(personas.admin)

    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_it_answers_an_unsupported_method_with_405_and_allow(personas):
    client = client_for(personas.admin)

    response = send(client, "put", "/api/v1/teams", {"name": "x"})

    assert_error(response, 405, "method_not_allowed")
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


def test_it_answers_401_with_www_authenticate(db):
    response = client_for(None).get("/api/v1/me")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="steadyops"'


def test_it_leaves_error_pages_outside_the_api_alone(db):
    response = client_for(None).get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
