"""Reading history from Prometheus' HTTP API (`/api/v1/query_range`), one series at a time.

Pure of Django: the pull service in series_services stores what this returns.

Prometheus answers at most 11,000 points per series per request, so a long range is asked for in chunks laid on
one grid (start, start + step, …): a chunk starts one step after the previous one ended, so no moment is asked
for twice and no sample is counted twice at a join, even though each evaluation looks back over
(t - lookback, t].
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

MAX_POINTS_PER_REQUEST = 11_000
CHUNK_POINTS = 10_000
BACKOFF_SECONDS = 0.5
MESSAGE_MAX = 500


class PrometheusError(Exception):
    """Prometheus could not answer, or answered with an error; message says why in words for a person."""

    def __init__(self, message: str, *, error_type: str = "", status: int | None = None) -> None:
        self.message = message[:MESSAGE_MAX]
        self.error_type = error_type
        self.status = status
        super().__init__(self.message)


@dataclass(frozen=True)
class RangeResult:
    """The points of the one series a query returned, oldest first, and how many values were left out."""

    points: list[tuple[datetime, float]]
    skipped: int
    requests: int
    labels: dict[str, str]


def chunks(
    start: datetime, end: datetime, step: timedelta, size: int = CHUNK_POINTS
) -> list[tuple[datetime, datetime]]:
    """Sub-ranges of [start, end] on the grid start + k·step, each with at most size evaluation moments."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    if end < start:
        return []
    total = int((end - start) / step) + 1
    ranges = []
    for first in range(0, total, size):
        last = min(first + size, total) - 1
        ranges.append((start + first * step, start + last * step))
    return ranges


def _seconds(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _step(step: timedelta) -> str:
    return f"{step.total_seconds():g}s"


def query_range(
    base_url: str,
    query: str,
    start: datetime,
    end: datetime,
    step: timedelta,
    *,
    auth: str | None = None,
    timeout: float = 10,
    retries: int = 2,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RangeResult:
    """Evaluate query over [start, end] every step and return its one series.

    auth is the Authorization header value, sent as given. 5xx answers and failed connections are retried
    `retries` times with a growing wait; 4xx answers are not. A query returning several series is an error:
    the forecast needs one figure (aggregate with sum(...) or sum by (...)).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must carry a time zone")
    url = base_url.rstrip("/") + "/api/v1/query_range"
    headers = {"Accept": "application/json"}
    if auth:
        headers["Authorization"] = auth
    http = session or requests.Session()
    points: dict[datetime, float] = {}
    skipped = 0
    requests_made = 0
    labels: dict[str, str] | None = None
    try:
        for chunk_start, chunk_end in chunks(start, end, step, CHUNK_POINTS):
            params = {"query": query, "start": _seconds(chunk_start), "end": _seconds(chunk_end), "step": _step(step)}
            body, made = _get(http, url, params, headers, timeout=timeout, retries=retries, sleep=sleep)
            requests_made += made
            result = _matrix(body)
            if not result:
                continue
            if len(result) > 1:
                raise PrometheusError(
                    f"The query returns {len(result)} series; give one that returns a single series, "
                    "for example by wrapping it in sum(...)."
                )
            found = {str(k): str(v) for k, v in (result[0].get("metric") or {}).items()}
            if labels is not None and found != labels:
                raise PrometheusError(
                    "The query returns different series over time; give one that returns a single series, "
                    "for example by wrapping it in sum(...)."
                )
            labels = found
            chunk_skipped = _collect(result[0].get("values") or [], points)
            skipped += chunk_skipped
    finally:
        if session is None:
            http.close()
    ordered = sorted(points.items())
    return RangeResult(points=ordered, skipped=skipped, requests=requests_made, labels=labels or {})


def _collect(values: list[Any], points: dict[datetime, float]) -> int:
    skipped = 0
    for pair in values:
        try:
            stamp, raw = pair
            moment = datetime.fromtimestamp(float(stamp), tz=UTC)
            value = float(raw)
        except (TypeError, ValueError, OverflowError, OSError):
            raise PrometheusError("Prometheus sent a value that is not a [time, number] pair.") from None
        if not math.isfinite(value) or value < 0:
            # NaN (no data), ±Inf (a division by zero) and negative rates become gaps, counted for the page.
            skipped += 1
            continue
        points[moment] = value + 0.0
    return skipped


def _matrix(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        kind = data.get("resultType") if isinstance(data, dict) else None
        raise PrometheusError(f"Prometheus did not answer with a range of values (result type {kind!r}).")
    return [item for item in data["result"] if isinstance(item, dict)]


def _get(
    http: requests.Session,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    *,
    timeout: float,
    retries: int,
    sleep: Callable[[float], None],
) -> tuple[dict[str, Any], int]:
    attempt = 0
    while True:
        attempt += 1
        try:
            response = http.get(url, params=params, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            error = PrometheusError(f"Prometheus did not answer within {timeout:g} seconds.")
        except requests.RequestException as failure:
            error = PrometheusError(f"Cannot reach Prometheus: {type(failure).__name__}.")
        else:
            body = _json(response)
            if response.status_code == 200 and body.get("status") == "success":
                return body, attempt
            error = _error_of(response.status_code, body)
            if response.status_code < 500:
                raise error
        if attempt > retries:
            raise error
        sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_of(status: int, body: dict[str, Any]) -> PrometheusError:
    if body.get("status") == "error":
        error_type = str(body.get("errorType") or "")
        message = str(body.get("error") or "no reason given")
        prefix = f"Prometheus refused the query ({error_type})" if error_type else "Prometheus refused the query"
        return PrometheusError(f"{prefix}: {message}", error_type=error_type, status=status)
    if status in (401, 403):
        return PrometheusError(f"Prometheus refused the credentials (HTTP {status}).", status=status)
    if status == 404:
        return PrometheusError("There is no Prometheus API at this address (HTTP 404).", status=status)
    return PrometheusError(f"Prometheus answered HTTP {status}.", status=status)
