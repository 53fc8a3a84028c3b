from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed


class AccountsConfig(AppConfig):
    name = "steadyops.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"
    nav_items = [
        NavItem("Teams", "team_list", "Organisation", allowed("can_view")),
        NavItem("People", "people_list", "Organisation", allowed("can_view")),
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.accounts.home import cards

        return cards(user)
