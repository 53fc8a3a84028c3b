"""Accepting a single point of failure as a known risk, and withdrawing that: who may, and what is refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steadyops.catalog import findings
from steadyops.catalog.models import AcceptedRisk
from steadyops.catalog.tests.conftest import Shop
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry


def accept(shop: Shop, user, **changes):  # type: ignore[no-untyped-def]
    values = {
        "environment": shop.production,
        "component_key": "service:checkout",
        "kind": "cuts_off",
        "dependent_key": "",
        "reason": "A second instance is planned for March.",
        "expires_on": timezone.localdate() + timedelta(days=90),
        **changes,
    }
    return findings.accept_risk(actor=Actor(user=user), **values)


def test_it_accepts_a_finding_and_lists_it_apart(shop: Shop) -> None:
    risk = accept(shop, shop.personas.operator_b)

    report = findings.spof_report(environment=shop.production)
    assert [f.identity for f in report.accepted] == [("service:checkout", "cuts_off", "")]
    assert report.accepted[0].acceptance == risk
    assert ("service:checkout", "cuts_off", "") not in [f.identity for f in report.open]
    assert (risk.reason, risk.accepted_by, risk.archived_at) == (
        "A second instance is planned for March.",
        shop.personas.operator_b,
        None,
    )
    entry = AuditEntry.objects.get(action="risk.accept")
    assert entry.actor == shop.personas.operator_b
    assert entry.after["component_key"] == "service:checkout"
    assert entry.after["environment"] == "production"


def test_it_accepts_a_missing_fallback_per_dependency(shop: Shop) -> None:
    accept(
        shop,
        shop.personas.operator_a,
        component_key="resource:shop-db",
        kind="no_fallback",
        dependent_key="service:checkout",
    )

    report = findings.spof_report(environment=shop.production)
    assert [f.identity for f in report.accepted] == [("resource:shop-db", "no_fallback", "service:checkout")]
    assert ("resource:shop-db", "cuts_off", "") in [f.identity for f in report.open]


def test_accepting_again_replaces_the_acceptance(shop: Shop) -> None:
    first = accept(shop, shop.personas.operator_b)
    second = accept(shop, shop.personas.admin, reason="Renewed.")

    first.refresh_from_db()
    assert first.archived_at is not None
    assert AcceptedRisk.objects.filter(archived_at=None).get() == second
    assert list(
        AuditEntry.objects.filter(action__startswith="risk.").values_list("action", flat=True).order_by("id")
    ) == [
        "risk.accept",
        "risk.replace",
        "risk.accept",
    ]


def test_an_expired_acceptance_no_longer_hides_the_finding(shop: Shop) -> None:
    risk = accept(shop, shop.personas.operator_b, expires_on=timezone.localdate() + timedelta(days=1))
    today = timezone.localdate()

    assert findings.spof_report(environment=shop.production, today=today).accepted != []
    later = findings.spof_report(environment=shop.production, today=risk.expires_on)
    assert later.accepted == []
    assert ("service:checkout", "cuts_off", "") in [f.identity for f in later.open]


def test_withdrawing_shows_the_finding_again(shop: Shop) -> None:
    risk = accept(shop, shop.personas.operator_b)

    findings.withdraw_risk(actor=Actor(user=shop.personas.operator_b), risk=risk)

    risk.refresh_from_db()
    assert risk.archived_at is not None
    assert findings.spof_report(environment=shop.production).accepted == []
    assert AuditEntry.objects.filter(action="risk.withdraw", object_id=str(risk.pk)).count() == 1


@pytest.mark.parametrize("persona", ["operator_a", "stakeholder", "viewer"])
def test_only_admins_and_owners_accept(shop: Shop, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        accept(shop, shop.personas.by_name(persona))
    assert not AcceptedRisk.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="risk.").exists()


@pytest.mark.parametrize("persona", ["operator_a", "stakeholder", "viewer"])
def test_only_admins_and_owners_withdraw(shop: Shop, persona: str) -> None:
    risk = accept(shop, shop.personas.operator_b)
    with pytest.raises(PermissionDenied):
        findings.withdraw_risk(actor=Actor(user=shop.personas.by_name(persona)), risk=risk)
    risk.refresh_from_db()
    assert risk.archived_at is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"reason": ""}, {"reason": ["Say why this risk is acceptable for now, so the next person knows."]}),
        ({"reason": "   \n "}, {"reason": ["Say why this risk is acceptable for now, so the next person knows."]}),
        ({"reason": "x" * 1001}, {"reason": ["At most 1000 characters; this has 1001."]}),
        ({"reason": "a\x00b"}, {"reason": ["The reason contains a NUL character."]}),
        ({"expires_on": "today"}, {"expires_on": ["Choose a day in the future: the risk is looked at again then."]}),
        ({"expires_on": "past"}, {"expires_on": ["Choose a day in the future: the risk is looked at again then."]}),
        (
            {"expires_on": "too far"},
            {"expires_on": ["At most a year from today: accepted risks are looked at again yearly."]},
        ),
        ({"component_key": "service:nope"}, {"component": ["There is no service or resource by that name."]}),
        ({"component_key": "<script>"}, {"component": ["There is no service or resource by that name."]}),
        (
            {"component_key": "service:web"},
            {"component": ["Web has no such single point of failure in Production now; nothing to accept."]},
        ),
        (
            {"kind": "single_zone"},
            {"component": ["Checkout has no such single point of failure in Production now; nothing to accept."]},
        ),
        (
            {"dependent_key": "service:web"},
            {"component": ["Checkout has no such single point of failure in Production now; nothing to accept."]},
        ),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(shop: Shop, changes: dict, errors: dict) -> None:
    today = timezone.localdate()
    days = {"today": 0, "past": -3, "too far": 366}
    if changes.get("expires_on") in days:
        changes["expires_on"] = today + timedelta(days=days[changes["expires_on"]])

    with pytest.raises(ValidationError) as raised:
        accept(shop, shop.personas.admin, **changes)

    assert raised.value.message_dict == errors
    assert not AcceptedRisk.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="risk.").exists()


def test_it_accepts_up_to_a_year(shop: Shop) -> None:
    risk = accept(shop, shop.personas.admin, expires_on=timezone.localdate() + timedelta(days=365))
    assert risk.pk is not None
