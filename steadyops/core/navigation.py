"""Navigation and home-page cards, contributed by each installed module.

A module's AppConfig lists its menu entries in ``nav_items`` and may offer ``home_cards(user)``;
only modules that are installed appear, grouped by the practice they serve.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import reverse

PRACTICES = [
    "Anticipate demand",
    "Determine resources",
    "Supporting processes",
    "Set expectations",
    "Plan for mistakes",
    "Celebrate success",
    "Consensus",
    "Organisation",
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    practice: str
    visible: Callable[[object], bool]


@dataclass
class HomeCard:
    """Something on a person's home page: what needs them, or what to do next when there is nothing yet."""

    title: str
    lines: list[str] = field(default_factory=list)
    link_label: str = ""
    link_url: str = ""
    empty_hint: str = ""
    tone: str = "info"


def navigation_for(user: object) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            if item.visible(user):
                groups.setdefault(item.practice, []).append((item.label, reverse(item.url_name)))
    return [(practice, groups[practice]) for practice in PRACTICES if practice in groups]


def home_cards_for(user: object) -> list[HomeCard]:
    cards: list[HomeCard] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "home_cards", None)
        if provider is not None:
            cards.extend(provider(user))
    return cards


def allowed(rule: str) -> Callable[[object], bool]:
    """A visibility test naming a rule of core.permissions, looked up when the menu is drawn."""

    def check(user: object) -> bool:
        from steadyops.core import permissions

        return bool(getattr(permissions, rule)(user))

    return check
