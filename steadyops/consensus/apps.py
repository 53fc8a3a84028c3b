from __future__ import annotations

from django.apps import AppConfig

from steadyops.core.navigation import NavItem, allowed


class ConsensusConfig(AppConfig):
    name = "steadyops.consensus"
    label = "consensus"
    verbose_name = "Consensus and decisions"
    nav_items = [
        NavItem("Topics (0-5 votes)", "consensus_topic_list", "Consensus", allowed("can_view")),
        NavItem("Idea boards", "consensus_board_list", "Consensus", allowed("can_view")),
        NavItem("Working sessions", "consensus_session_list", "Consensus", allowed("can_view")),
        NavItem("Decision log", "consensus_decision_list", "Consensus", allowed("can_view")),
    ]
