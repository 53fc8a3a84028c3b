"""Refused requests are logged as one line; faults keep their traceback."""

import logging
import sys

import pytest
from django.urls import reverse

from steadyops.core.logging import RefusalWithoutTraceback
from steadyops.testing.personas import Personas


def test_it_logs_a_refusal_without_the_traceback(personas: Personas, client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas.viewer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("audit_list"))

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert response.status_code == 403
    assert record.status_code == 403  # type: ignore[attr-defined]
    assert record.exc_info is None
    assert record.getMessage() == "Forbidden (Permission denied): /audit/"


def _record(status: int) -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    record.status_code = status
    return record


def test_it_keeps_the_traceback_of_a_fault() -> None:
    record = _record(500)
    assert RefusalWithoutTraceback().filter(record) is True
    assert record.exc_info is not None


def test_it_drops_the_traceback_of_a_not_found() -> None:
    record = _record(404)
    assert RefusalWithoutTraceback().filter(record) is True
    assert record.exc_info is None
