"""Schemathesis drives every operation in the OpenAPI document through the WSGI app, as an administrator."""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from steadyops.api.testing import make_token
from steadyops.testing.personas import make_personas

# A page past the last one is refused with a 422, a bound the document cannot state; every other check runs.
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    # The WSGI handler closes database connections around each request; inside the test's transaction that
    # would lose the test data (Django's own test client disconnects the same signals).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, keep_test_connection) -> str:
    personas = make_personas()
    _, raw = make_token(personas.admin, ["all"])
    return raw


# Loading the document reads no database, so it can happen at collection, before the test database exists.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.mark.integration
@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_it_answers_as_its_openapi_document_says(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, excluded_checks=EXCLUDED)
