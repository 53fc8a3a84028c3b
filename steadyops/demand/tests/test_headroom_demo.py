"""The demo shows Black Friday x6 leaving checkout short, and loading it twice changes nothing."""

import pytest

from steadyops.core import demo
from steadyops.demand.models import HeadroomFinding
from steadyops.notify.models import OutboxMessage


@pytest.mark.django_db
def test_it_shows_a_black_friday_shortfall_on_checkout() -> None:
    demo.load()
    finding = HeadroomFinding.objects.get(
        service__slug="checkout", event__title__icontains="Black Friday", status="open"
    )
    assert finding.verdict in ("short", "late")
    assert finding.shortfall > 0
    assert finding.recommendation.startswith(("Add ", "Deadline passed: add "))
    told = OutboxMessage.objects.filter(event="demand.headroom_shortfall").count()
    assert told > 0
    findings = list(HeadroomFinding.objects.order_by("pk").values_list("pk", "status", "shortfall", "recommendation"))
    demo.load()
    assert (
        list(HeadroomFinding.objects.order_by("pk").values_list("pk", "status", "shortfall", "recommendation"))
        == findings
    )
    assert OutboxMessage.objects.filter(event="demand.headroom_shortfall").count() == told
