"""The Prometheus client against a tiny local HTTP server: retries, timeouts, errors, odd values, chunking."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from steadyops.demand import prometheus
from steadyops.demand.prometheus import PrometheusError, chunks, query_range
from steadyops.testing.servers import HOST

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def matrix(*series: list[tuple[float, str]], labels: list[dict[str, str]] | None = None) -> dict[str, Any]:
    result = [
        {"metric": (labels or [{}] * len(series))[i], "values": [[stamp, value] for stamp, value in values]}
        for i, values in enumerate(series)
    ]
    return {"status": "success", "data": {"resultType": "matrix", "result": result}}


class FakePrometheus:
    """Answers GET /api/v1/query_range with scripted (status, body, delay) replies and records the requests."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, Any, float]] = []
        self.requests: list[tuple[dict[str, list[str]], dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((parse_qs(urlparse(self.path).query), dict(self.headers.items())))
                status, body, delay = fake.replies.pop(0) if fake.replies else (200, matrix(), 0.0)
                if delay:
                    time.sleep(delay)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakePrometheus]:
    server = FakePrometheus()
    try:
        yield server
    finally:
        server.stop()


def no_sleep(seconds: float) -> None:
    pass


def ts(hours: int) -> float:
    return (T0 + hours * HOUR).timestamp()


def test_it_sends_the_query_the_grid_and_the_auth_header(fake: FakePrometheus) -> None:
    fake.replies = [(200, matrix([(ts(0), "1"), (ts(1), "2.5")]), 0)]
    result = query_range(fake.url + "/", "sum(rate(x[5m]))", T0, T0 + HOUR, HOUR, auth="Bearer s3cret")
    assert result.points == [(T0, 1.0), (T0 + HOUR, 2.5)]
    params, headers = fake.requests[0]
    assert params == {
        "query": ["sum(rate(x[5m]))"],
        "start": [f"{ts(0):.3f}"],
        "end": [f"{ts(1):.3f}"],
        "step": ["3600s"],
    }
    assert headers["Authorization"] == "Bearer s3cret"


def test_it_sends_no_authorization_header_without_auth(fake: FakePrometheus) -> None:
    query_range(fake.url, "x", T0, T0, HOUR)
    assert "Authorization" not in fake.requests[0][1]


def test_it_skips_and_counts_nan_infinite_and_negative_values(fake: FakePrometheus) -> None:
    values = [(ts(0), "NaN"), (ts(1), "+Inf"), (ts(2), "-Inf"), (ts(3), "-1"), (ts(4), "7")]
    fake.replies = [(200, matrix(values), 0)]
    result = query_range(fake.url, "x", T0, T0 + 4 * HOUR, HOUR)
    assert result.points == [(T0 + 4 * HOUR, 7.0)]
    assert result.skipped == 4


def test_it_retries_5xx_with_backoff_then_succeeds(fake: FakePrometheus) -> None:
    waits: list[float] = []
    fake.replies = [(503, {"status": "error", "errorType": "unavailable", "error": "busy"}, 0), (502, b"<html>", 0)]
    fake.replies.append((200, matrix([(ts(0), "3")]), 0))
    result = query_range(fake.url, "x", T0, T0, HOUR, retries=2, sleep=waits.append)
    assert result.points == [(T0, 3.0)]
    assert result.requests == 3
    assert waits == [0.5, 1.0]


def test_it_gives_up_after_the_retries_with_the_last_message(fake: FakePrometheus) -> None:
    fake.replies = [(503, {"status": "error", "errorType": "timeout", "error": "query timed out"}, 0)] * 3
    with pytest.raises(PrometheusError) as raised:
        query_range(fake.url, "x", T0, T0, HOUR, retries=2, sleep=no_sleep)
    assert raised.value.message == "Prometheus refused the query (timeout): query timed out"
    assert len(fake.requests) == 3


def test_it_does_not_retry_4xx_and_passes_prometheus_message_on(fake: FakePrometheus) -> None:
    body = {"status": "error", "errorType": "bad_data", "error": 'invalid parameter "query": 1:5: parse error'}
    fake.replies = [(400, body, 0), (200, matrix(), 0)]
    with pytest.raises(PrometheusError) as raised:
        query_range(fake.url, "sum(", T0, T0, HOUR, retries=2, sleep=no_sleep)
    assert (
        raised.value.message == 'Prometheus refused the query (bad_data): invalid parameter "query": 1:5: parse error'
    )
    assert (raised.value.error_type, raised.value.status) == ("bad_data", 400)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Prometheus refused the credentials (HTTP 401)."),
        (403, "Prometheus refused the credentials (HTTP 403)."),
        (404, "There is no Prometheus API at this address (HTTP 404)."),
    ],
)
def test_it_explains_plain_http_refusals(fake: FakePrometheus, status: int, message: str) -> None:
    fake.replies = [(status, b"nope", 0)]
    with pytest.raises(PrometheusError, match=message.replace("(", r"\(").replace(")", r"\)")):
        query_range(fake.url, "x", T0, T0, HOUR, sleep=no_sleep)


def test_it_times_out_and_retries(fake: FakePrometheus) -> None:
    fake.replies = [(200, matrix(), 2.0), (200, matrix([(ts(0), "4")]), 0)]
    result = query_range(fake.url, "x", T0, T0, HOUR, timeout=0.3, retries=1, sleep=no_sleep)
    assert result.points == [(T0, 4.0)]
    fake.replies = [(200, matrix(), 2.0)] * 2
    with pytest.raises(PrometheusError, match=r"did not answer within 0\.3 seconds"):
        query_range(fake.url, "x", T0, T0, HOUR, timeout=0.3, retries=1, sleep=no_sleep)


def test_it_reports_an_unreachable_server() -> None:
    from steadyops.testing.servers import free_port

    with pytest.raises(PrometheusError, match="Cannot reach Prometheus: ConnectionError"):
        query_range(f"http://{HOST}:{free_port()}", "x", T0, T0, HOUR, retries=1, sleep=no_sleep)


def test_it_refuses_several_series_and_series_changing_between_chunks(
    fake: FakePrometheus, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.replies = [(200, matrix([(ts(0), "1")], [(ts(0), "2")], labels=[{"a": "1"}, {"a": "2"}]), 0)]
    with pytest.raises(PrometheusError, match=r"returns 2 series; .* sum\(\.\.\.\)"):
        query_range(fake.url, "x", T0, T0, HOUR)
    monkeypatch.setattr(prometheus, "CHUNK_POINTS", 2)
    fake.replies = [
        (200, matrix([(ts(0), "1")], labels=[{"a": "1"}]), 0),
        (200, matrix([(ts(2), "1")], labels=[{"a": "2"}]), 0),
    ]
    with pytest.raises(PrometheusError, match="different series over time"):
        query_range(fake.url, "x", T0, T0 + 3 * HOUR, HOUR)
    assert len(fake.requests) == 3


def test_it_merges_chunks_into_one_series(fake: FakePrometheus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prometheus, "CHUNK_POINTS", 2)
    fake.replies = [(200, matrix([(ts(0), "1"), (ts(1), "2")]), 0), (200, matrix([(ts(2), "3")]), 0)]
    result = query_range(fake.url, "x", T0, T0 + 2 * HOUR, HOUR)
    assert result.points == [(T0, 1.0), (T0 + HOUR, 2.0), (T0 + 2 * HOUR, 3.0)]
    assert [params["start"] for params, _ in fake.requests] == [[f"{ts(0):.3f}"], [f"{ts(2):.3f}"]]
    assert [params["end"] for params, _ in fake.requests] == [[f"{ts(1):.3f}"], [f"{ts(2):.3f}"]]


def test_it_refuses_answers_that_are_not_a_matrix(fake: FakePrometheus) -> None:
    fake.replies = [(200, {"status": "success", "data": {"resultType": "vector", "result": []}}, 0)]
    with pytest.raises(PrometheusError, match="result type 'vector'"):
        query_range(fake.url, "x", T0, T0, HOUR)
    fake.replies = [(200, matrix([(ts(0), "x")]), 0)]
    with pytest.raises(PrometheusError, match="not a \\[time, number\\] pair"):
        query_range(fake.url, "x", T0, T0, HOUR)


def test_chunks_cover_the_grid_once_and_stay_under_the_limit() -> None:
    step = timedelta(minutes=1)
    end = T0 + timedelta(minutes=25_000)
    ranges = chunks(T0, end, step)
    assert ranges == [
        (T0, T0 + timedelta(minutes=9_999)),
        (T0 + timedelta(minutes=10_000), T0 + timedelta(minutes=19_999)),
        (T0 + timedelta(minutes=20_000), end),
    ]
    for start, stop in ranges:
        assert (stop - start) / step + 1 <= prometheus.MAX_POINTS_PER_REQUEST
    assert chunks(T0, T0 - step, step) == []
    with pytest.raises(ValueError, match="step must be positive"):
        chunks(T0, end, timedelta(0))
