from django.apps import AppConfig

from steadyops.core.navigation import NavItem, allowed


class CoreConfig(AppConfig):
    name = "steadyops.core"
    label = "core"
    verbose_name = "Core"
    nav_items = [NavItem("Audit log", "audit_list", "Organisation", allowed("can_view_audit"))]
