"""Demo data: headroom, computed from the demo's events and traffic; it leaves Black Friday x6 short on checkout.

The catalog's demo gives checkout 4 instances of 80 requests/s (N+1); the series' demo gives it a daily peak of
a few dozen requests/s, so six times that needs more instances than it has.
"""

from __future__ import annotations

from steadyops.core import demo
from steadyops.demand import headroom_services


def load(organisation: demo.DemoOrganisation) -> None:
    result = headroom_services.recompute_headroom(actor=organisation.actor)
    if result.opened:
        organisation.count("headroom findings", result.opened)
