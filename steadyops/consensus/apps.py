from __future__ import annotations

from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    name = "steadyops.consensus"
    label = "consensus"
    verbose_name = "Consensus and decisions"
