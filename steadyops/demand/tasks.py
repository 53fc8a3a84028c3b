"""Huey tasks of the demand module. The reminder rows are the durable record; a missed run is caught up by the
next one, as each run sends whatever is due and not yet sent."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from steadyops.demand import event_services

# The series refresh and the hourly headroom recompute are declared beside their services; the worker finds tasks
# through this module.
from steadyops.demand.headroom_tasks import recompute_headroom_hourly  # noqa: F401
from steadyops.demand.series_tasks import refresh_series  # noqa: F401


@db_periodic_task(crontab(minute="*/15"))
def send_event_reminders() -> int:
    """Remind requesters and the owning teams a week and a day before each traffic event."""
    return event_services.send_due_reminders()
