"""Demand: traffic events registered by marketing and sales, metric history, and headroom findings."""

from steadyops.demand.models.events import *  # noqa: F403
from steadyops.demand.models.headroom import *  # noqa: F403
from steadyops.demand.models.series import *  # noqa: F403
