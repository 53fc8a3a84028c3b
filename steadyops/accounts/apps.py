from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from steadyops.accounts.models import User


class AccountsConfig(AppConfig):
    name = "steadyops.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"
    nav_items = [
        NavItem("Teams", "team_list", "Organisation", allowed("can_view")),
        NavItem("People", "people_list", "Organisation", allowed("can_view")),
    ]

    def home_cards(self, user: User | AnonymousUser) -> list[HomeCard]:
        from steadyops.accounts.home import cards

        return cards(user)
