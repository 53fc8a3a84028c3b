"""Huey tasks of the incidents module. The incident row is the durable record: each run reminds whatever update
is overdue and not yet reminded, so a run lost to a killed worker is caught up by the next one."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from steadyops.incidents import incident_services

# Grouping of reports and alerts and the escalation of pages are declared beside their services; the worker finds
# tasks through this module.
from steadyops.incidents.intake_tasks import group_signals, group_signals_catch_up  # noqa: F401
from steadyops.incidents.oncall_tasks import escalate_due_pages  # noqa: F401


@db_periodic_task(crontab(minute="*"))
def remind_overdue_updates() -> int:
    """Remind the communications role (else the commander, else whoever declared it) of overdue updates."""
    return incident_services.send_overdue_reminders()
