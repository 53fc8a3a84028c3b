"""Every URL the project serves, and what each persona gets from it.

The test walks the URL configuration: a URL with no declared expectation here fails, so a new page or endpoint
cannot ship without saying who may reach it. Pages send anonymous visitors to the sign-in page (302); the API
answers them 401. 'Own' objects belong to operator_a.
"""

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from steadyops.api.testing import make_token
from steadyops.catalog import findings
from steadyops.catalog import services as catalog
from steadyops.catalog.models import Environment
from steadyops.core.actor import Actor
from steadyops.core.models import WorkerHeartbeat
from steadyops.notify.models import Channel, ChannelKind, DeliveryStatus, OutboxMessage
from steadyops.testing.authz import (
    ADMIN_PAGE,
    ADMIN_POST,
    API_READ,
    OPERATOR_PAGE,
    OWNER_PAGE,
    OWNER_POST,
    PERSONAS,
    SIGNED_IN_PAGE,
    TEAM_A_API,
    TEAM_A_API_CREATE,
    TEAM_A_EDIT,
    TEAM_A_POST,
    Case,
    by_role,
    everyone,
)
from steadyops.testing.personas import Personas


@dataclass
class World:
    personas: Personas
    token_id: int
    channel_id: int
    dead_id: int
    reset_uid: str
    reset_token: str
    dependency_id: int


def make_catalog(personas: Personas) -> int:
    """A service "web" and a database "shop-db" owned by team_a, a service "till" owned by team_b, capacity for
    both in production; returns the id of web's dependency on till."""
    admin = Actor(user=personas.admin)
    production = Environment.objects.get_or_create(slug="production", defaults={"name": "Production"})[0]
    web = catalog.create_service(actor=admin, name="Web", owner=personas.team_a, user_facing=True)
    till = catalog.create_service(actor=admin, name="Till", owner=personas.team_b)
    database = catalog.create_resource(actor=admin, name="Shop DB", owner=personas.team_a, kind="database")
    catalog.create_system(actor=admin, name="Storefront")
    catalog.set_capacity(actor=admin, component=web, environment=production, instances=2, zones=2)
    catalog.set_capacity(actor=admin, component=database, environment=production, instances=1)
    return catalog.add_dependency(actor=admin, source=web, target=till).pk


def accept_form() -> dict[str, str]:
    """Accepting till's finding (till belongs to team_b, runs in no recorded number of instances, web needs it)."""
    return {
        "environment": "production",
        "component": "service:till",
        "kind": "cuts_off",
        "reason": "Known.",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }


def accepted_risk_id(world: World) -> int:
    """Accept till's finding as team_b's operator and return the acceptance's id."""
    form = accept_form()
    return findings.accept_risk(
        actor=Actor(user=world.personas.operator_b),
        environment=Environment.objects.get(slug="production"),
        component_key=form["component"],
        kind=form["kind"],
        reason=form["reason"],
        expires_on=timezone.localdate() + timedelta(days=30),
    ).pk


def make_world(personas: Personas) -> World:
    token, _ = make_token(personas.operator_a, ["read"], name="own")
    channel = Channel.objects.create(
        owner=personas.operator_a, kind=ChannelKind.WEBHOOK, name="Hook", target="http://127.0.0.1:9/x", secret="s"
    )
    dead = OutboxMessage.objects.create(
        channel=channel,
        recipient=personas.operator_a,
        kind=channel.kind,
        target=channel.target,
        event="e",
        subject="s",
        body="b",
        idempotency_key="k" * 32,
        status=DeliveryStatus.DEAD,
        next_attempt_at=timezone.now(),
    )
    WorkerHeartbeat.objects.create(name="w", seen_at=timezone.now(), started_at=timezone.now())
    return World(
        personas=personas,
        token_id=token.pk,
        channel_id=channel.pk,
        dead_id=dead.pk,
        reset_uid=urlsafe_base64_encode(force_bytes(personas.viewer.pk)),
        reset_token=default_token_generator.make_token(personas.viewer),
        dependency_id=make_catalog(personas),
    )


SERVICE_FORM = {"name": "Web", "owner": "platform", "tier": "1", "lifecycle": "production", "user_facing": "on"}


CASES: dict[str, list[Case]] = {
    # core
    "home": [Case("GET", SIGNED_IN_PAGE)],
    "audit_list": [Case("GET", ADMIN_PAGE)],
    "audit_export": [Case("GET", ADMIN_PAGE)],
    "healthz": [Case("GET", everyone(200))],
    "healthz_live": [Case("GET", everyone(200))],
    "metrics": [Case("GET", everyone(200))],
    # signing in
    "login": [Case("GET", everyone(200))],
    "logout": [Case("POST", everyone(302)), Case("GET", everyone(405))],
    "password_change": [Case("GET", SIGNED_IN_PAGE)],
    "password_change_done": [Case("GET", SIGNED_IN_PAGE)],
    "password_reset": [Case("GET", everyone(200))],
    "password_reset_done": [Case("GET", everyone(200))],
    "password_reset_confirm": [
        # The link moves on to the set-password form; signing in (as the viewer) spends the link, which then
        # explains that it no longer works.
        Case(
            "GET",
            by_role(302, 302, 302, 302, 200, 302),
            kwargs=lambda w: {"uidb64": w.reset_uid, "token": w.reset_token},
            to_login=False,
        ),
    ],
    "password_reset_complete": [Case("GET", everyone(200))],
    # tokens
    "token_list": [Case("GET", SIGNED_IN_PAGE)],
    "token_revoke": [
        Case("POST", by_role(302, 302, 404, 404, 404, 302), kwargs=lambda w: {"pk": w.token_id}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=lambda w: {"pk": w.token_id}),
    ],
    # teams
    "team_list": [Case("GET", SIGNED_IN_PAGE)],
    "team_create": [Case("GET", ADMIN_PAGE), Case("POST", ADMIN_POST, data=lambda w: {"name": "Search"})],
    "team_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "platform"})],
    "team_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"slug": "platform"}),
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=lambda w: {"slug": "platform"},
            data=lambda w: {"name": "Platform", "description": "x", "is_operations": "on"},
        ),
    ],
    "team_archive": [Case("POST", ADMIN_POST, kwargs=lambda w: {"slug": "platform"})],
    "team_member_add": [
        Case("POST", TEAM_A_POST, kwargs=lambda w: {"slug": "platform"}, data=lambda w: {"user": "viewer"}),
    ],
    "team_member_remove": [
        Case("POST", TEAM_A_POST, kwargs=lambda w: {"slug": "platform", "username": "operator_a"}),
    ],
    # people
    "people_list": [Case("GET", SIGNED_IN_PAGE)],
    "person_create": [Case("GET", ADMIN_PAGE)],
    "person_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"username": "viewer"})],
    "person_edit": [Case("GET", ADMIN_PAGE, kwargs=lambda w: {"username": "viewer"})],
    # notifications
    "channel_list": [Case("GET", SIGNED_IN_PAGE)],
    "channel_create": [Case("GET", SIGNED_IN_PAGE)],
    "channel_edit": [Case("GET", OWNER_PAGE, kwargs=lambda w: {"pk": w.channel_id})],
    "channel_test": [Case("POST", OWNER_POST, kwargs=lambda w: {"pk": w.channel_id})],
    "channel_rotate_secret": [Case("POST", OWNER_POST, kwargs=lambda w: {"pk": w.channel_id})],
    "channel_archive": [Case("POST", OWNER_POST, kwargs=lambda w: {"pk": w.channel_id})],
    "preferences": [Case("GET", SIGNED_IN_PAGE)],
    "delivery_list": [Case("GET", ADMIN_PAGE)],
    "delivery_retry": [Case("POST", ADMIN_POST, kwargs=lambda w: {"pk": w.dead_id})],
    # catalog
    "catalog_service_list": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_service_create": [
        Case("GET", OPERATOR_PAGE),
        # operator_b may add services, but only for checkout: the form answers 400 with the reason.
        Case(
            "POST",
            by_role(302, 302, 400, 403, 403, 302),
            data=lambda w: {**SERVICE_FORM, "name": "Billing"},
        ),
    ],
    "catalog_service_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "web"})],
    "catalog_service_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"slug": "web"}),
        Case("POST", TEAM_A_POST, kwargs=lambda w: {"slug": "web"}, data=lambda w: SERVICE_FORM),
    ],
    "catalog_service_archive": [Case("POST", TEAM_A_POST, kwargs=lambda w: {"slug": "web"})],
    "catalog_dependency_add": [
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=lambda w: {"slug": "web"},
            data=lambda w: {"target": "resource:shop-db", "hard": "1", "degrades": "no"},
        ),
    ],
    # web is user-facing and till is all it needs: removing that asks first (200), then confirm=yes does it.
    "catalog_dependency_remove": [
        Case("POST", TEAM_A_EDIT, kwargs=lambda w: {"pk": w.dependency_id}),
        Case("POST", TEAM_A_POST, kwargs=lambda w: {"pk": w.dependency_id}, data=lambda w: {"confirm": "yes"}),
    ],
    "catalog_service_capacity_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"slug": "web", "environment": "production"}),
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=lambda w: {"slug": "web", "environment": "production"},
            data=lambda w: {"instances": "3", "zones": "3", "regions": "1", "unit": "requests/s"},
        ),
    ],
    "catalog_resource_list": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_resource_create": [Case("GET", OPERATOR_PAGE)],
    "catalog_resource_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "shop-db"})],
    "catalog_resource_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"slug": "shop-db"}),
        Case(
            "POST",
            TEAM_A_POST,
            kwargs=lambda w: {"slug": "shop-db"},
            data=lambda w: {"name": "Shop DB", "kind": "database", "owner": "platform"},
        ),
    ],
    "catalog_resource_archive": [
        Case("POST", TEAM_A_POST, kwargs=lambda w: {"slug": "shop-db"}),
        Case("GET", by_role(405, 405, 405, 405, 405, 302), kwargs=lambda w: {"slug": "shop-db"}),
    ],
    "catalog_resource_capacity_edit": [
        Case("GET", TEAM_A_EDIT, kwargs=lambda w: {"slug": "shop-db", "environment": "production"}),
    ],
    "catalog_system_list": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_system_create": [
        Case("GET", OPERATOR_PAGE),
        Case("POST", by_role(302, 302, 302, 403, 403, 302), data=lambda w: {"name": "Payments"}),
    ],
    "catalog_system_detail": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "storefront"})],
    "catalog_system_edit": [
        Case("GET", OPERATOR_PAGE, kwargs=lambda w: {"slug": "storefront"}),
        Case(
            "POST",
            by_role(302, 302, 302, 403, 403, 302),
            kwargs=lambda w: {"slug": "storefront"},
            data=lambda w: {"name": "Shop front"},
        ),
    ],
    "catalog_system_archive": [Case("POST", ADMIN_POST, kwargs=lambda w: {"slug": "storefront"})],
    "catalog_environment_list": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_environment_create": [
        Case("GET", ADMIN_PAGE),
        Case("POST", ADMIN_POST, data=lambda w: {"name": "Load test", "position": "20"}),
    ],
    "catalog_environment_edit": [
        Case("GET", ADMIN_PAGE, kwargs=lambda w: {"slug": "production"}),
        Case("POST", ADMIN_POST, kwargs=lambda w: {"slug": "production"}, data=lambda w: {"name": "Live"}),
    ],
    "catalog_spof_list": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_spof_accept": [
        Case("POST", by_role(302, 403, 302, 403, 403, 302), data=lambda w: accept_form()),
        Case("GET", by_role(405, 405, 405, 405, 405, 302)),
    ],
    "catalog_spof_withdraw": [
        Case("POST", by_role(302, 403, 302, 403, 403, 302), kwargs=lambda w: {"pk": accepted_risk_id(w)}),
    ],
    "catalog_what_if": [Case("GET", SIGNED_IN_PAGE), Case("GET", SIGNED_IN_PAGE, query="?component=service:till")],
    "catalog_service_graph": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "web"})],
    "catalog_system_graph": [Case("GET", SIGNED_IN_PAGE, kwargs=lambda w: {"slug": "storefront"})],
    "catalog_graph": [Case("GET", SIGNED_IN_PAGE)],
    "catalog_graph_svg": [Case("GET", SIGNED_IN_PAGE)],
    "api:catalog_services": [
        Case("GET", API_READ, json=True),
        Case("POST", TEAM_A_API_CREATE, json=True, data=lambda w: {"name": "Billing", "owner": "platform"}),
    ],
    "api:catalog_service": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "web"}),
        Case("PATCH", TEAM_A_API, json=True, kwargs=lambda w: {"slug": "web"}, data=lambda w: {"description": "x"}),
    ],
    "api:catalog_service_archive": [
        # till is needed hard by web: 409 unless ?confirm=true.
        Case("POST", by_role(409, 403, 409, 403, 403, 401), json=True, kwargs=lambda w: {"slug": "till"}),
        Case(
            "POST",
            by_role(200, 403, 200, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"slug": "till"},
            query="?confirm=true",
        ),
    ],
    "api:catalog_resources": [
        Case("GET", API_READ, json=True),
        Case("POST", TEAM_A_API_CREATE, json=True, data=lambda w: {"name": "Queue", "owner": "platform"}),
    ],
    "api:catalog_resource": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "shop-db"}),
        Case("PATCH", TEAM_A_API, json=True, kwargs=lambda w: {"slug": "shop-db"}, data=lambda w: {"kind": "queue"}),
    ],
    "api:catalog_resource_archive": [
        Case("POST", TEAM_A_API, json=True, kwargs=lambda w: {"slug": "shop-db"}),
    ],
    "api:catalog_dependencies": [
        Case("GET", API_READ, json=True),
        Case(
            "POST",
            TEAM_A_API_CREATE,
            json=True,
            data=lambda w: {
                "source": {"type": "service", "slug": "web"},
                "target": {"type": "resource", "slug": "shop-db"},
            },
        ),
    ],
    "api:catalog_dependency": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"dependency_id": w.dependency_id}),
        Case(
            "PATCH",
            TEAM_A_API,
            json=True,
            kwargs=lambda w: {"dependency_id": w.dependency_id},
            data=lambda w: {"note": "x"},
        ),
        # web's only dependency: 409 naming web unless ?confirm=true.
        Case(
            "DELETE",
            by_role(409, 409, 403, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"dependency_id": w.dependency_id},
        ),
        Case(
            "DELETE",
            by_role(204, 204, 403, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"dependency_id": w.dependency_id},
            query="?confirm=true",
        ),
    ],
    "api:catalog_capacity_list": [Case("GET", API_READ, json=True)],
    "api:catalog_service_capacity": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "web", "environment": "production"}),
        Case(
            "PUT",
            TEAM_A_API,
            json=True,
            kwargs=lambda w: {"slug": "web", "environment": "production"},
            data=lambda w: {"instances": 3, "zones": 3},
        ),
    ],
    "api:catalog_resource_capacity": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "shop-db", "environment": "production"}),
        Case(
            "PUT",
            TEAM_A_API,
            json=True,
            kwargs=lambda w: {"slug": "shop-db", "environment": "production"},
            data=lambda w: {"instances": 2},
        ),
    ],
    "api:catalog_systems": [
        Case("GET", API_READ, json=True),
        Case("POST", by_role(201, 201, 201, 403, 403, 401), json=True, data=lambda w: {"name": "Payments"}),
    ],
    "api:catalog_system": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "storefront"}),
        Case(
            "PATCH",
            by_role(200, 200, 200, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"slug": "storefront"},
            data=lambda w: {"description": "x"},
        ),
    ],
    "api:catalog_system_archive": [
        Case("POST", by_role(200, 403, 403, 403, 403, 401), json=True, kwargs=lambda w: {"slug": "storefront"}),
    ],
    "api:catalog_environments": [
        Case("GET", API_READ, json=True),
        Case("POST", by_role(201, 403, 403, 403, 403, 401), json=True, data=lambda w: {"name": "Load test"}),
    ],
    "api:catalog_spofs": [Case("GET", API_READ, json=True)],
    "api:catalog_spof_accept": [
        Case("POST", by_role(201, 403, 201, 403, 403, 401), json=True, data=lambda w: accept_form()),
    ],
    "api:catalog_what_if": [Case("GET", API_READ, json=True, query="?component=service:till")],
    # API
    "api:api-root": [Case("GET", everyone(404), json=True)],
    "api:openapi-json": [Case("GET", everyone(200), json=True)],
    "api:openapi-view": [Case("GET", everyone(200))],
    "api:me": [Case("GET", API_READ, json=True)],
    "api:token_list": [
        Case("GET", API_READ, json=True),
        Case("POST", everyone(201, anonymous=401), json=True, data=lambda w: {"name": "ci", "scopes": ["read"]}),
    ],
    "api:token_revoke": [
        Case("POST", by_role(404, 200, 404, 404, 404, 401), json=True, kwargs=lambda w: {"token_id": w.token_id}),
    ],
    "api:team_list": [
        Case("GET", API_READ, json=True),
        Case("POST", by_role(201, 403, 403, 403, 403, 401), json=True, data=lambda w: {"name": "Search"}),
    ],
    "api:team_detail": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "platform"}),
        Case(
            "PATCH",
            by_role(200, 200, 403, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"slug": "platform"},
            data=lambda w: {"description": "x"},
        ),
    ],
    "api:team_archive": [
        Case("POST", by_role(200, 403, 403, 403, 403, 401), json=True, kwargs=lambda w: {"slug": "platform"}),
    ],
    "api:team_members": [
        Case("GET", API_READ, json=True, kwargs=lambda w: {"slug": "platform"}),
        Case(
            "POST",
            by_role(201, 201, 403, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"slug": "platform"},
            data=lambda w: {"username": "viewer"},
        ),
    ],
    "api:team_member": [
        Case(
            "DELETE",
            by_role(204, 204, 403, 403, 403, 401),
            json=True,
            kwargs=lambda w: {"slug": "platform", "username": "operator_a"},
        ),
    ],
    "api:user_list": [Case("GET", API_READ, json=True)],
    "api:user_detail": [Case("GET", API_READ, json=True, kwargs=lambda w: {"username": "viewer"})],
    "api:list_channels": [Case("GET", API_READ, json=True)],
    "api:create_channel": [
        Case(
            "POST",
            everyone(201, anonymous=401),
            json=True,
            data=lambda w: {"kind": "email", "name": "Mail", "target": "me@example.com"},
        ),
    ],
    "api:send_test": [
        Case("POST", by_role(404, 202, 404, 404, 404, 401), json=True, kwargs=lambda w: {"channel_id": w.channel_id}),
    ],
}

# Django's own admin site: only administrators; everyone else is sent to its sign-in page.
ADMIN_SITE = by_role(200, 302, 302, 302, 302, 302)


def url_names() -> Iterator[str]:
    def walk(resolver: URLResolver, namespace: tuple[str, ...]) -> Iterator[str]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, namespace + ((pattern.namespace,) if pattern.namespace else ()))
            elif isinstance(pattern, URLPattern):
                yield ":".join((*namespace, pattern.name or "<unnamed>"))

    yield from walk(get_resolver(), ())


def _module_cases() -> dict[str, tuple[ModuleType, list[Case]]]:
    """Each module's declared URLs (steadyops/<module>/tests/authz_*.py), with the module that makes their world."""
    found: dict[str, tuple[ModuleType, list[Case]]] = {}
    root = Path(__file__).resolve().parents[2]
    for path in sorted(root.glob("*/tests/authz_*.py")):
        module = importlib.import_module(f"steadyops.{path.parent.parent.name}.tests.{path.stem}")
        for name, cases in module.CASES.items():
            assert name not in found, f"{name} is declared twice"
            assert name not in CASES, f"{name} is declared in core and in a module"
            found[name] = (module, cases)
    return found


MODULE_CASES = _module_cases()


def _cases(name: str) -> list[Case]:
    return MODULE_CASES[name][1] if name in MODULE_CASES else CASES[name]


def test_every_url_has_declared_expectations() -> None:
    served = {name for name in url_names() if not name.startswith("admin:")}
    declared = set(CASES) | set(MODULE_CASES)
    assert sorted(served - declared) == [], "URLs without a declared expectation in the authorization matrix"
    assert sorted(declared - served) == [], "expectations for URLs that do not exist"


def _params() -> Iterator[Any]:
    for name in [*CASES, *MODULE_CASES]:
        for index, case in enumerate(_cases(name)):
            for persona in PERSONAS:
                yield pytest.param(name, index, persona, id=f"{name}-{case.method}-{persona}")


def _client(personas: Personas, persona: str) -> Client:
    client = Client()
    user = personas.by_name(persona)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "index", "persona"), list(_params()))
def test_each_persona_gets_the_declared_answer(personas: Personas, name: str, index: int, persona: str) -> None:
    world: Any = MODULE_CASES[name][0].make_world(personas) if name in MODULE_CASES else make_world(personas)
    case = _cases(name)[index]
    url = reverse(name, kwargs=case.kwargs(world)) + case.query
    client = _client(personas, persona)
    data = case.data(world)
    if case.json:
        response = client.generic(
            case.method, url, data=json.dumps(data) if data else "", content_type="application/json"
        )
    else:
        response = client.generic(
            case.method, url, data=urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == case.expect[persona], response.content[:300]
    if persona == "anonymous" and response.status_code == 302 and case.to_login:
        assert response["Location"].startswith(reverse("login"))


ADMIN_URLS = [
    "admin:index",
    "admin:accounts_user_changelist",
    "admin:accounts_team_changelist",
    "admin:core_auditentry_changelist",
    "admin:notify_outboxmessage_changelist",
    "admin:catalog_service_changelist",
]


@pytest.mark.parametrize("url_name", ADMIN_URLS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_reach_the_admin_site(personas: Personas, url_name: str, persona: str) -> None:
    make_world(personas)
    client = _client(personas, persona)
    response = client.get(reverse(url_name))
    assert response.status_code == ADMIN_SITE[persona]
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))
