"""Huey tasks of intake: group what arrived (woken by intake, and every minute in case a wake was lost)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def group_signals() -> None:
    """Group the reports and alerts that have no signal yet; page on-call for signals over the threshold.

    Returns nothing, so the task queue stores no result: nobody reads it, and under a burst this task runs several
    times a second."""
    from steadyops.incidents.grouping_services import group_pending

    group_pending()


@db_periodic_task(crontab(minute="*"))
def group_signals_catch_up() -> None:
    """The same, every minute: whatever a lost wake or a killed worker left ungrouped is grouped here."""
    from steadyops.incidents.grouping_services import group_pending

    group_pending()
