from __future__ import annotations

from django.apps import AppConfig

from steadyops.core.navigation import HomeCard, NavItem, allowed

PRACTICE = "Supporting processes"


class IncidentsConfig(AppConfig):
    name = "steadyops.incidents"
    label = "incidents"
    verbose_name = "Incidents, panic button and on-call"
    nav_items = [
        NavItem("Status page", "incidents_status_page", PRACTICE, allowed("can_view")),
        NavItem("Incidents", "incidents_list", PRACTICE, allowed("can_view")),
        NavItem("Triage queue", "incidents_triage", PRACTICE, allowed("can_triage_signals")),
        NavItem("On call now", "incidents_oncall_now", PRACTICE, allowed("can_view")),
        NavItem("Escalation policies", "incidents_escalation_list", PRACTICE, allowed("is_operator")),
        NavItem("Recent pages", "incidents_oncall_page_list", PRACTICE, allowed("is_operator")),
        NavItem("Incident numbers", "incidents_metrics", PRACTICE, allowed("can_view")),
        NavItem("Panic presses", "incidents_presses", PRACTICE, allowed("can_view")),
        NavItem("Incident subscriptions", "incidents_subscriptions", PRACTICE, allowed("can_view")),
    ]

    def home_cards(self, user: object) -> list[HomeCard]:
        from steadyops.incidents.home import cards

        return cards(user)
