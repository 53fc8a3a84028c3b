"""Who may reach each on-call URL, and the world those URLs need (also used by the on-call tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from steadyops.accounts.models import Team, User
from steadyops.core.actor import Actor
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import EscalationPolicy, Override, Page, Rotation
from steadyops.testing.authz import API_READ, SIGNED_IN_PAGE, Case, by_role, everyone
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    rotation: Rotation  # platform (team_a): operator_a then admin, daily at 09:00 Europe/Berlin
    override: Override
    policy: EscalationPolicy  # platform's default: the rotation, then admin
    page: Page  # active, paged by admin through the policy
    feed_token: str


def build_rotation(
    personas: Personas,
    *,
    team: Team | None = None,
    members: list[User] | None = None,
    name: str = "Platform primary",
    period: str = "daily",
    starts_on: date | None = None,
    handoff: time = time(9, 0),
    zone: str = "Europe/Berlin",
    hours: int | None = None,
) -> Rotation:
    return services.create_rotation(
        actor=Actor(user=personas.admin),
        team=team or personas.team_a,
        data=services.RotationInput(
            name=name,
            period=period,
            period_hours=hours,
            handoff_time=handoff,
            timezone=zone,
            starts_on=starts_on or (timezone.now() - timedelta(days=30)).date(),
            members=members if members is not None else [personas.operator_a, personas.admin],
        ),
    )


def build_policy(
    personas: Personas,
    steps: list[services.StepInput],
    *,
    team: Team | None = None,
    repeat: int = 0,
    name: str = "Platform incidents",
    is_default: bool = True,
) -> EscalationPolicy:
    return services.create_policy(
        actor=Actor(user=personas.admin),
        team=team or personas.team_a,
        name=name,
        repeat=repeat,
        steps=steps,
        is_default=is_default,
    )


def make_world(personas: Personas) -> World:
    rotation = build_rotation(personas)
    now = timezone.now()
    override = services.create_override(
        actor=Actor(user=personas.admin),
        rotation=rotation,
        user=personas.admin,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
        reason="Holiday swap",
    )
    policy = build_policy(
        personas,
        [
            services.StepInput(wait_minutes=10, rotation=rotation),
            services.StepInput(wait_minutes=10, user=personas.admin),
        ],
        repeat=1,
    )
    page = services.page_now(actor=Actor(user=personas.admin), reason="Checkout errors", policy=policy)
    token = services.create_rotation_feed(actor=Actor(user=personas.admin), rotation=rotation)
    return World(personas, rotation, override, policy, page, token)


def _rotation(w: World) -> dict[str, Any]:
    return {"pk": w.rotation.pk}


def _policy(w: World) -> dict[str, Any]:
    return {"pk": w.policy.pk}


def _page(w: World) -> dict[str, Any]:
    return {"pk": w.page.pk}


def rotation_form(w: World) -> dict[str, Any]:
    return {
        "team": w.personas.team_a.pk,
        "name": "Platform secondary",
        "period": "weekly",
        "handoff_time": "09:00",
        "timezone": "Europe/Berlin",
        "starts_on": "2025-01-06",
        "member_1": w.personas.operator_a.pk,
    }


def edit_form(w: World) -> dict[str, Any]:
    return {**rotation_form(w), "name": "Platform primary"}


def override_form(w: World) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=5)
    return {
        "user": w.personas.admin.pk,
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + timedelta(hours=8):%Y-%m-%dT%H:%M}",
        "reason": "Doctor",
    }


def policy_form(w: World) -> dict[str, Any]:
    return {
        "team": w.personas.team_a.pk,
        "name": "Platform nights",
        "repeat": "1",
        "step_1_target": f"r:{w.rotation.pk}",
        "step_1_wait": "5",
    }


def policy_edit_form(w: World) -> dict[str, Any]:
    return {**policy_form(w), "name": "Platform incidents", "is_default": "on"}


def api_rotation(w: World) -> dict[str, Any]:
    return {
        "team": "platform",
        "name": "Platform API",
        "period": "custom",
        "period_hours": 12,
        "handoff_time": "08:00",
        "timezone": "UTC",
        "starts_on": "2025-01-01",
        "members": ["operator_a"],
    }


def api_policy(w: World) -> dict[str, Any]:
    return {
        "team": "platform",
        "name": "Platform API policy",
        "repeat": 0,
        "steps": [{"rotation": w.rotation.pk, "wait_minutes": 5}],
    }


MANAGE_PAGE = by_role(200, 200, 403, 403, 403, 302)
MANAGE_POST = by_role(302, 302, 403, 403, 403, 302)
OPERATOR_POST = by_role(302, 302, 302, 403, 403, 302)
OPERATOR_PAGE = by_role(200, 200, 200, 403, 403, 302)
OTHER_TEAM_POST = by_role(302, 302, 400, 403, 403, 302)
MANAGE_API = by_role(200, 200, 403, 403, 403, 401)
MANAGE_API_CREATE = by_role(201, 201, 403, 403, 403, 401)
OPERATOR_API = by_role(200, 200, 200, 403, 403, 401)
OPERATOR_API_CREATE = by_role(201, 201, 201, 403, 403, 401)

CASES: dict[str, list[Case]] = {
    "incidents_oncall_now": [Case("GET", SIGNED_IN_PAGE)],
    # Every operator manages their own team's on-call; operator_b is offered checkout only, so platform is refused.
    "incidents_oncall_rotation_create": [
        Case("GET", OPERATOR_PAGE),
        Case("POST", OTHER_TEAM_POST, data=rotation_form),
    ],
    "incidents_oncall_rotation_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_rotation)],
    "incidents_oncall_rotation_edit": [
        Case("GET", MANAGE_PAGE, kwargs=_rotation),
        Case("POST", MANAGE_POST, kwargs=_rotation, data=edit_form),
    ],
    # The policy still pages the rotation, so archiving it is refused with a message (and a redirect back).
    "incidents_oncall_rotation_archive": [Case("POST", MANAGE_POST, kwargs=_rotation)],
    "incidents_oncall_override_create": [
        Case("GET", MANAGE_PAGE, kwargs=_rotation),
        Case("POST", MANAGE_POST, kwargs=_rotation, data=override_form),
    ],
    "incidents_oncall_override_cancel": [Case("POST", MANAGE_POST, kwargs=lambda w: {"pk": w.override.pk})],
    "incidents_oncall_feed_create": [Case("POST", by_role(200, 200, 403, 403, 403, 302), kwargs=_rotation)],
    "incidents_oncall_feed_revoke": [Case("POST", MANAGE_POST, kwargs=_rotation)],
    "incidents_oncall_ical_feed": [
        Case("GET", everyone(200), kwargs=lambda w: {"token": w.feed_token}),
        Case("GET", everyone(404), kwargs=lambda w: {"token": "sto_oncall_wrong"}),
    ],
    "incidents_oncall_my_shifts": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_oncall_page_now": [
        Case("GET", OPERATOR_PAGE),
        Case(
            "POST",
            OPERATOR_POST,
            data=lambda w: {"target": f"u:{w.personas.operator_b.pk}", "reason": "Disk almost full"},
        ),
    ],
    "incidents_oncall_page_list": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_oncall_page_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_page)],
    "incidents_oncall_page_acknowledge": [Case("POST", OPERATOR_POST, kwargs=_page)],
    "incidents_oncall_page_resolve": [Case("POST", OPERATOR_POST, kwargs=_page)],
    # The signature is the authority: everyone gets the same answer, signed in or not.
    "incidents_page_action": [
        Case(
            "GET",
            everyone(200),
            kwargs=lambda w: {
                "action": "acknowledge",
                "token": services.signed_link(w.page, "acknowledge", w.personas.operator_a).rsplit("/", 2)[-2],
            },
            to_login=False,
        ),
        Case("GET", everyone(404), kwargs=lambda w: {"action": "acknowledge", "token": "forged:token"}),
    ],
    "incidents_escalation_list": [Case("GET", SIGNED_IN_PAGE)],
    "incidents_escalation_create": [
        Case("GET", OPERATOR_PAGE),
        Case("POST", OTHER_TEAM_POST, data=policy_form),
    ],
    "incidents_escalation_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=_policy)],
    "incidents_escalation_edit": [
        Case("GET", MANAGE_PAGE, kwargs=_policy),
        Case("POST", MANAGE_POST, kwargs=_policy, data=policy_edit_form),
    ],
    "incidents_escalation_archive": [Case("POST", MANAGE_POST, kwargs=_policy)],
    "api:incidents_oncall_api_now": [Case("GET", API_READ, json=True)],
    "api:incidents_oncall_api_rotations": [
        Case("GET", API_READ, json=True),
        Case("POST", MANAGE_API_CREATE, json=True, data=api_rotation),
    ],
    "api:incidents_oncall_api_rotation": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"rotation_id": w.rotation.pk}),
        Case(
            "PUT",
            MANAGE_API,
            json=True,
            kwargs=lambda w: {"rotation_id": w.rotation.pk},
            data=lambda w: {**api_rotation(w), "name": "Platform primary"},
        ),
    ],
    "api:incidents_oncall_api_overrides": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"rotation_id": w.rotation.pk}),
        Case(
            "POST",
            MANAGE_API_CREATE,
            json=True,
            kwargs=lambda w: {"rotation_id": w.rotation.pk},
            data=lambda w: {
                "user": "admin",
                "starts_at": (timezone.now() + timedelta(days=4)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=5)).isoformat(),
            },
        ),
    ],
    "api:incidents_oncall_api_policies": [
        Case("GET", API_READ, json=True),
        Case("POST", MANAGE_API_CREATE, json=True, data=api_policy),
    ],
    "api:incidents_oncall_api_policy": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"policy_id": w.policy.pk}),
    ],
    "api:incidents_oncall_api_pages": [
        Case("GET", API_READ, json=True),
        Case(
            "POST",
            OPERATOR_API_CREATE,
            json=True,
            data=lambda w: {"reason": "Queue is stuck", "policy": w.policy.pk},
        ),
    ],
    "api:incidents_oncall_api_page": [Case("GET", API_READ, json=True, kwargs=lambda w: {"page_id": w.page.pk})],
    "api:incidents_oncall_api_page_acknowledge": [
        Case("POST", OPERATOR_API, json=True, kwargs=lambda w: {"page_id": w.page.pk})
    ],
    "api:incidents_oncall_api_page_resolve": [
        Case("POST", OPERATOR_API, json=True, kwargs=lambda w: {"page_id": w.page.pk})
    ],
}
