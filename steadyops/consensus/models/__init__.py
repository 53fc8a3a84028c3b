"""Consensus: topics voted 0-5, idea boards with top-five voting, working sessions, and the decision log."""

from steadyops.consensus.models.boards import *  # noqa: F403
from steadyops.consensus.models.decisions import *  # noqa: F403
from steadyops.consensus.models.topics import *  # noqa: F403
