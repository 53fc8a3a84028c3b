"""The scheduled refresh of Prometheus series: every few minutes, pull the series that are due.

Each series is claimed with a lease (a conditional UPDATE, as the notification outbox does), so several workers
never pull the same series at once, and a series whose worker died is pulled again once its lease expires.
"""

from __future__ import annotations

import logging
import os
import socket

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from steadyops.demand import series_services

log = logging.getLogger("steadyops.demand.series")

REFRESH_EVERY_MINUTES = 5


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def refresh_due_series() -> list[series_services.PullReport]:
    """Pull every series due a refresh; failures are recorded on each series and logged, never raised."""
    reports = series_services.pull_due(worker_name())
    for report in reports:
        if report.error:
            log.warning("scheduled pull failed: %s", report.error)
    return reports


@db_periodic_task(crontab(minute=f"*/{REFRESH_EVERY_MINUTES}"))
def refresh_series() -> None:
    refresh_due_series()
