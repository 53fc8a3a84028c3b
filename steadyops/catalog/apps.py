from __future__ import annotations

from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed


class CatalogConfig(AppConfig):
    name = "steadyops.catalog"
    label = "catalog"
    verbose_name = "Service catalog"
    nav_items = [
        NavItem("Services", "catalog_service_list", "Determine resources", allowed("can_view")),
        NavItem("Resources", "catalog_resource_list", "Determine resources", allowed("can_view")),
        NavItem("Systems", "catalog_system_list", "Determine resources", allowed("can_view")),
        NavItem("Environments", "catalog_environment_list", "Determine resources", allowed("can_view")),
        NavItem("Single points of failure", "catalog_spof_list", "Plan for mistakes", allowed("can_view")),
        NavItem("Dependency map", "catalog_graph", "Determine resources", allowed("can_view")),
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.catalog.home import cards, spof_cards

        return cards(user) + spof_cards(user)
