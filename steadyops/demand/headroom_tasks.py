"""The periodic headroom job: recompute findings for upcoming events and measure events that have ended.

The findings are rows, so a run lost to a killed worker is simply done again by the next one.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from steadyops.core.actor import Actor
from steadyops.demand import headroom_services

log = logging.getLogger("steadyops.demand.headroom")


def run_headroom() -> headroom_services.RecomputeResult:
    """One pass: measure past events first, so the forecasts below learn from the freshest figures."""
    actor = Actor.system_actor("headroom")
    measured = headroom_services.measure_realised_uplifts(actor=actor)
    result = headroom_services.recompute_headroom(actor=actor)
    log.info("%s Events measured: %d.", headroom_services.summary(result), measured)
    for error in result.errors:
        log.warning("headroom: %s", error)
    return result


@db_periodic_task(crontab(minute="17"))
@lock_task("demand-headroom")
def recompute_headroom_hourly() -> None:
    run_headroom()
