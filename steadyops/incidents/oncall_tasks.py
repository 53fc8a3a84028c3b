"""The escalation timer: every minute, run the escalation steps that are due.

Pages are rows, so a run lost with a killed worker is simply done by the next one: a claimed page whose lease
expired is claimed again.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from steadyops.incidents import oncall_services

log = logging.getLogger("steadyops.incidents.oncall")


def run_escalations(worker: str = "oncall") -> int:
    """One pass over the due pages; the `steadyops worker` loop may call this between deliveries."""
    advanced = oncall_services.run_due_pages(worker=worker)
    if advanced:
        log.info("ran %d escalation step(s)", advanced)
    return advanced


@db_periodic_task(crontab(minute="*"))
@lock_task("incidents-escalation")
def escalate_due_pages() -> None:
    run_escalations("huey")
