"""The demo's traffic events: the next Black Friday, idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from steadyops.core import demo
from steadyops.demand.demo_events import next_black_friday, previous_black_friday
from steadyops.demand.models.events import DemandEvent, EventComment


def test_it_finds_the_next_and_previous_black_friday() -> None:
    assert next_black_friday(date(2026, 11, 29)) == date(2027, 11, 26)
    assert next_black_friday(date(2026, 11, 27)) == date(2027, 11, 26)
    assert next_black_friday(date(2026, 6, 1)) == date(2026, 11, 27)
    assert previous_black_friday(date(2026, 11, 29)) == date(2026, 11, 27)
    assert previous_black_friday(date(2026, 6, 1)) == date(2025, 11, 28)


@pytest.mark.django_db
def test_it_loads_the_events_once() -> None:
    demo.load()
    demo.load()
    sale = DemandEvent.objects.get(title="Black Friday sale", status="plan_needed")
    assert (sale.created_by.username if sale.created_by else None, sale.multiplier) == ("maria", 6)
    assert sorted(sale.services.values_list("slug", flat=True)) == ["checkout", "storefront-web"]
    assert EventComment.objects.filter(event=sale).count() == 3
    assert DemandEvent.objects.count() == 4
