"""Huey tasks of intake: group what arrived (woken by intake, and every minute in case a wake was lost)."""

from __future__ import annotations

import threading

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

# One grouping at a time per worker process. The worker's threads are woken together under a burst; two of them
# grouping at once would each work out the same oldest items, and the second's plan would no longer hold once the
# first wrote it, so every batch was worked out twice. A task that finds a grouping under way asks it for one more
# pass instead.
_grouping = threading.Lock()
_again = threading.Event()


def group_in_turn() -> int:
    """Group what waits, unless another thread of this process is grouping: then that one makes one more pass, and
    this call returns 0 at once. Returns how many items this call grouped."""
    from steadyops.incidents.grouping_services import group_pending

    total = 0
    _again.set()
    while _again.is_set() and _grouping.acquire(blocking=False):
        try:
            _again.clear()
            total += group_pending()
        finally:
            _grouping.release()
    return total


@db_task()
def group_signals() -> None:
    """Group the reports and alerts that have no signal yet; page on-call for signals over the threshold.

    Returns nothing, so the task queue stores no result: nobody reads it, and under a burst this task runs several
    times a second."""
    group_in_turn()


@db_periodic_task(crontab(minute="*"))
def group_signals_catch_up() -> None:
    """The same, every minute: whatever a lost wake or a killed worker left ungrouped is grouped here."""
    group_in_turn()
