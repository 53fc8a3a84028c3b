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
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.catalog.home import cards

        return cards(user)
