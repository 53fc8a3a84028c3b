"""Incidents: panic reports and alerts grouped into signals, incidents with updates, on-call and paging."""

from steadyops.incidents.models.incidents import *  # noqa: F403
from steadyops.incidents.models.oncall import *  # noqa: F403
from steadyops.incidents.models.signals import *  # noqa: F403
