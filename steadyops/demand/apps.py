from __future__ import annotations

from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed


class DemandConfig(AppConfig):
    name = "steadyops.demand"
    label = "demand"
    verbose_name = "Demand and headroom"
    nav_items = [
        NavItem("Busy days ahead", "demand_event_list", "Anticipate demand", allowed("can_view")),
        NavItem("Event calendar", "demand_calendar", "Anticipate demand", allowed("can_view")),
        NavItem("Headroom", "demand_headroom", "Anticipate demand", allowed("can_view")),
        NavItem("Metric history", "demand_series_list", "Anticipate demand", allowed("is_operator")),
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.demand.home import event_cards, headroom_cards

        return event_cards(user) + headroom_cards(user)
