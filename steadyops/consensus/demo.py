"""The demo's consensus: topics, an idea board and a decision log (registered in this order)."""

from steadyops.consensus import demo_boards, demo_decisions, demo_topics  # noqa: F401
