from __future__ import annotations

from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "steadyops.demand"
    label = "demand"
    verbose_name = "Demand and headroom"
