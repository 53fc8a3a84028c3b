"""Who gets what from the intake API. Everyone signed in may report a problem; the alert webhooks take only API
tokens (scope alerts or write, of an operator or administrator), so a browser session gets 401 there."""

from typing import Any

from steadyops.testing.authz import Case, by_role, everyone
from steadyops.testing.personas import Personas


def make_world(personas: Personas) -> Any:
    return personas


CASES: dict[str, list[Case]] = {
    "api:incidents_reports": [
        Case("POST", by_role(201, 201, 201, 201, 201, 401), json=True, data=lambda w: {"what": "The shop is down"}),
    ],
    "api:incidents_alerts_alertmanager": [
        Case("POST", everyone(401), json=True, data=lambda w: {"version": "4", "alerts": []}),
    ],
    "api:incidents_alerts_generic": [
        Case("POST", everyone(401), json=True, data=lambda w: {"title": "Disk full"}),
    ],
}
