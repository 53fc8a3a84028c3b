"""Prometheus metrics for /metrics: requests and latency, outbox depth and age, worker heartbeat.

Under several web processes (gunicorn workers), counters are shared through
prometheus_client's multiprocess mode; `steadyops serve` sets that up.
"""

import os
from collections.abc import Iterator

from django.db.models import Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter("steadyops_http_requests_total", "HTTP requests answered", ["method", "status"])
LATENCY = Histogram(
    "steadyops_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class DatabaseCollector(Collector):
    """Values read from the database at scrape time, so every web process reports the same."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from steadyops.core.models import WorkerHeartbeat
        from steadyops.notify.models import DeliveryStatus, OutboxMessage

        now = timezone.now()
        pending = OutboxMessage.objects.filter(status=DeliveryStatus.PENDING)
        depth = GaugeMetricFamily("steadyops_outbox_pending", "Notifications waiting to be delivered")
        depth.add_metric([], pending.count())
        yield depth
        dead = GaugeMetricFamily("steadyops_outbox_dead", "Notifications given up on (dead letters)")
        dead.add_metric([], OutboxMessage.objects.filter(status=DeliveryStatus.DEAD).count())
        yield dead
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        age = GaugeMetricFamily("steadyops_outbox_oldest_age_seconds", "Age of the oldest undelivered notification")
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield age
        beat = GaugeMetricFamily(
            "steadyops_worker_heartbeat_age_seconds", "Seconds since each worker last reported", labels=["worker"]
        )
        for heartbeat in WorkerHeartbeat.objects.all():
            beat.add_metric([heartbeat.name], (now - heartbeat.seen_at).total_seconds())
        yield beat


def render() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
