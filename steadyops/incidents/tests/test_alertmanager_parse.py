"""alertmanager.py: webhook payloads read into alerts, or refused with a clear message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steadyops.incidents import alertmanager
from steadyops.incidents.alertmanager import PayloadError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def test_it_reads_times_with_nanoseconds_and_zones() -> None:
    assert alertmanager.parse_time("2026-01-31T10:00:00.123456789Z", "t") == datetime(
        2026, 1, 31, 10, 0, 0, 123456, tzinfo=UTC
    )
    assert alertmanager.parse_time("2026-01-31T12:00:00+02:00", "t") == datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert alertmanager.parse_time("0001-01-01T00:00:00Z", "t", zero_is_none=True) is None
    with pytest.raises(PayloadError, match="has no time zone"):
        alertmanager.parse_time("2026-01-31T10:00:00", "t")


def test_it_maps_labels_to_severity_service_and_title() -> None:
    payload = alertmanager.parse_alertmanager(
        {
            "version": "4",
            "groupKey": "g",
            "commonLabels": {"severity": "page"},
            "alerts": [
                {
                    "labels": {"alertname": "Down", "service": "web", "product_area": "checkout"},
                    "startsAt": "2026-01-31T10:00:00Z",
                }
            ],
        }
    )
    alert = payload.alerts[0]
    assert (alert.severity, alert.service_slug, alert.product_area, alert.title, alert.status) == (
        "critical",
        "web",
        "checkout",
        "Down",
        "firing",
    )
    # Without a fingerprint, one is made from the labels: the same labels give the same fingerprint.
    assert alert.fingerprint == alertmanager.labels_fingerprint(alert.labels)
    assert payload.group_key == "g"


def _one_alert(**alert: Any) -> dict[str, Any]:
    return {"version": "4", "alerts": [{"startsAt": "2026-01-31T10:00:00Z", **alert}]}


def test_labels_and_annotations_become_text() -> None:
    plain = alertmanager.parse_alertmanager(_one_alert(labels={"alertname": "Down"}, annotations={"summary": "S"}))
    assert (plain.alerts[0].labels, plain.alerts[0].annotations) == ({"alertname": "Down"}, {"summary": "S"})
    mixed = alertmanager.parse_alertmanager(
        _one_alert(labels={"replicas": 3, "up": False, "ratio": 0.5, "none": None, "long": "x" * 2_500})
    )
    assert mixed.alerts[0].labels == {"replicas": "3", "up": "false", "ratio": "0.5", "none": "", "long": "x" * 2_000}


@pytest.mark.parametrize(
    ("alert", "message"),
    [
        ({"labels": {"n" * 101: "v"}}, f"alerts[1].labels: the name {'n' * 40!r} is longer than 100"),
        ({"labels": {"a": ["b"]}}, "alerts[1].labels.a: expected text."),
        ({"annotations": "text"}, "alerts[1].annotations: expected an object of names to text values."),
        ({"endsAt": "soon"}, "alerts[1].endsAt: 'soon' is not a time such as 2025-01-31T10:00:00Z."),
        ({"startsAt": None}, "alerts[1].startsAt is missing."),
    ],
)
def test_a_refused_alert_is_named_by_its_position(alert: dict[str, Any], message: str) -> None:
    good = {"startsAt": "2026-01-31T10:00:00Z"}
    with pytest.raises(PayloadError) as refused:
        alertmanager.parse_alertmanager({"version": "4", "alerts": [good, {**good, **alert}]})
    assert str(refused.value).startswith(message)
    with pytest.raises(PayloadError, match=r"^alerts\[0\]: expected an object\.$"):
        alertmanager.parse_alertmanager({"version": "4", "alerts": ["text"]})


def test_generic_fingerprints_ignore_severity() -> None:
    one = alertmanager.parse_generic({"title": "Disk", "severity": "warning"}).alerts[0]
    two = alertmanager.parse_generic({"title": "Disk", "severity": "critical"}).alerts[0]
    assert one.fingerprint == two.fingerprint


def test_it_refuses_what_is_not_json() -> None:
    with pytest.raises(PayloadError, match="not valid JSON"):
        alertmanager.decode(b"\xff\xfe")
    with pytest.raises(PayloadError, match="not valid JSON"):
        alertmanager.decode(b"[" * 100_000)


@given(json_values)
def test_any_json_is_read_or_refused_with_a_payload_error(data: Any) -> None:
    for parse in (alertmanager.parse_alertmanager, alertmanager.parse_generic):
        message = "read"
        try:
            parse(data)
        except PayloadError as refused:
            message = str(refused)
        assert message


@given(
    st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    st.lists(st.dictionaries(st.sampled_from(["status", "labels", "startsAt", "fingerprint", "x"]), json_values)),
)
def test_version_4_payloads_with_odd_fields_are_read_or_refused(extra: dict[str, Any], alerts: list[Any]) -> None:
    data = {**extra, "version": "4", "alerts": alerts}
    try:
        payload = alertmanager.parse_alertmanager(data)
    except PayloadError as refused:
        message = str(refused)
        assert message
        return
    assert len(payload.alerts) == len(alerts)
    for alert in payload.alerts:
        assert alert.status in ("firing", "resolved")
        assert alert.starts_at is not None
        assert alert.starts_at.tzinfo is not None
        assert 0 < len(alert.fingerprint) <= alertmanager.FINGERPRINT_MAX


@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_round_trips_fingerprints_and_labels(values: list[str]) -> None:
    alerts = [
        {
            "labels": {"n": v},
            "startsAt": "2026-01-31T10:00:00Z",
            "fingerprint": f"f{i}",
            "status": "resolved",
            "endsAt": "2026-01-31T11:00:00Z",
        }
        for i, v in enumerate(values)
    ]
    payload = alertmanager.parse_alertmanager(json.loads(json.dumps({"version": "4", "alerts": alerts})))
    assert [a.labels["n"] for a in payload.alerts] == values
    assert [a.fingerprint for a in payload.alerts] == [f"f{i}" for i in range(len(values))]
    assert all(a.ends_at == datetime(2026, 1, 31, 11, tzinfo=UTC) for a in payload.alerts)
