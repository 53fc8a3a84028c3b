"""Group commit of panic reports: a batch is one transaction, each person's allowance holds within it, and a
failed batch answers 503 to each of its reports without keeping any of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from steadyops.accounts.models import Role, User
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.incidents import intake_services
from steadyops.incidents.group_commit import Pending
from steadyops.incidents.intake_services import IntakeUnavailable, _CheckedReport, _store_reports, _write_batch
from steadyops.incidents.models.signals import RateBucket, Report
from steadyops.incidents.ratelimit import Limit, RateLimited, spend_many
from steadyops.testing.personas import Personas

pytestmark = pytest.mark.django_db


def pending(user: User, what: str = "The shop shows an error") -> _CheckedReport:
    fields: dict[str, Any] = {
        "what": what,
        "where_url": "",
        "product_area": "",
        "service_id": None,
        "customers": "many",
        "source": "api",
    }
    return _CheckedReport(actor=Actor(user=user), request_id="req-1", user=user, fields=fields)


def test_it_writes_a_batch_and_refuses_the_sixth_press_of_one_person_within_it(personas: Personas) -> None:
    batch = [pending(personas.stakeholder, f"press {n}") for n in range(6)] + [pending(personas.viewer)]
    results = _store_reports(batch)
    assert [type(result).__name__ for result in results] == ["Report"] * 5 + ["RateLimited", "Report"]
    refused = results[5]
    assert isinstance(refused, RateLimited)
    assert refused.retry_after == 120
    assert "we have your report" in refused.message
    stored = Report.objects.order_by("pk")
    assert [r.what for r in stored] == [f"press {n}" for n in range(5)] + ["The shop shows an error"]
    assert [r.pk for r in results if isinstance(r, Report)] == [r.pk for r in stored]
    assert stored[0].team_id == personas.marketing.pk
    entries = AuditEntry.objects.filter(action="incidents.report").order_by("pk")
    assert [e.object_id for e in entries] == [str(r.pk) for r in stored]
    assert {e.request_id for e in entries} == {"req-1"}
    assert entries[0].actor_label == personas.stakeholder.username
    assert entries[0].after == {"source": "api"}


def test_a_second_batch_sees_the_allowance_the_first_spent(personas: Personas) -> None:
    _store_reports([pending(personas.stakeholder) for _ in range(4)])
    results = _store_reports([pending(personas.stakeholder) for _ in range(2)])
    assert isinstance(results[0], Report)
    assert isinstance(results[1], RateLimited)
    assert Report.objects.count() == 5


def test_spend_many_refills_over_time_like_spend() -> None:
    limit = Limit(2, 10)
    assert spend_many(["a", "a", "a", "b"], limit, now=1000.0) == [None, None, 5, None]
    assert spend_many(["a"], limit, now=1004.0) == [1]
    assert spend_many(["a", "a"], limit, now=1005.0) == [None, 5]
    bucket = RateBucket.objects.get(key="a")
    assert bucket.tokens == pytest.approx(0.0)
    assert bucket.updated == 1005.0


def test_a_failed_batch_answers_each_report_unavailable_and_keeps_none(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(batch: list[_CheckedReport]) -> list[Any]:
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake_services, "_store_reports", locked)
    batch: list[Pending[_CheckedReport, Any]] = [
        Pending(pending(personas.stakeholder)),
        Pending(pending(personas.viewer)),
    ]
    _write_batch(batch)
    assert all(isinstance(p.result, IntakeUnavailable) for p in batch)
    assert Report.objects.count() == 0


def test_a_batch_that_fails_for_one_report_stores_the_others_one_by_one(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = intake_services._store_reports

    def poisoned(batch: list[_CheckedReport]) -> list[Any]:
        if any(p.fields["what"] == "poison" for p in batch):
            raise ValueError("this report cannot be written")
        return real(batch)

    monkeypatch.setattr(intake_services, "_store_reports", poisoned)
    batch: list[Pending[_CheckedReport, Any]] = [
        Pending(pending(personas.stakeholder)),
        Pending(pending(personas.viewer, "poison")),
        Pending(pending(personas.operator_b)),
    ]
    _write_batch(batch)
    assert isinstance(batch[0].result, Report)
    assert isinstance(batch[1].result, IntakeUnavailable)
    assert isinstance(batch[2].result, Report)
    assert sorted(Report.objects.values_list("reporter_id", flat=True)) == sorted(
        [personas.stakeholder.pk, personas.operator_b.pk]
    )


def test_the_api_answers_503_with_retry_after_when_the_batch_failed(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(**kwargs: Any) -> Report:
        raise IntakeUnavailable(OperationalError("disk I/O error"))

    monkeypatch.setattr(intake_services, "record_report", unavailable)
    client.force_login(personas.stakeholder)
    response = client.post("/api/v1/incidents/reports", data=json.dumps({}), content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"


def test_a_report_inside_the_callers_transaction_is_written_there(personas: Personas) -> None:
    other = User.objects.create_user(username="dana", role=Role.STAKEHOLDER)
    report = intake_services.record_report(actor=Actor(user=other), what="Prices look wrong", source="api")
    assert Report.objects.get(pk=report.pk).what == "Prices look wrong"
    assert report.reporter == other
