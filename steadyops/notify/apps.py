from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed


class NotifyConfig(AppConfig):
    name = "steadyops.notify"
    label = "notify"
    verbose_name = "Notifications"
    nav_items = [
        NavItem("My notifications", "channel_list", "Organisation", allowed("can_view")),
        NavItem("Deliveries", "delivery_list", "Organisation", allowed("can_manage_deliveries")),
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.notify.home import cards

        return cards(user)
