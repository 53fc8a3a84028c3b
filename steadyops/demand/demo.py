"""The demo's demand: a year of hourly traffic, a Black Friday x6 event, and the headroom it leaves."""

from steadyops.demand import demo_events, demo_headroom, demo_series  # noqa: F401
