"""The demo's demand: a year of hourly traffic, a Black Friday x6 event, and the headroom it leaves.

One contribution runs the parts in the order they build on each other: the events first (the history's past Black
Friday lines up with the past event), then the history, then the headroom computed from both.
"""

from steadyops.core import demo
from steadyops.demand import demo_events, demo_headroom, demo_series


@demo.contribution("demand")
def load(organisation: demo.DemoOrganisation) -> None:
    demo_events.load(organisation)
    demo_series.load_demand_history(organisation)
    demo_headroom.load(organisation)
