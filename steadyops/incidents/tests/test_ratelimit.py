"""ratelimit.py: the database token bucket."""

from __future__ import annotations

import pytest
from django.db import transaction

from steadyops.incidents.models.signals import RateBucket
from steadyops.incidents.ratelimit import Limit, RateLimited, spend

pytestmark = pytest.mark.django_db
LIMIT = Limit(capacity=5, period_seconds=600)


def test_it_allows_capacity_then_refuses_until_a_token_is_back() -> None:
    for n in range(5):
        assert spend("k", LIMIT, now=1000.0) == pytest.approx(4 - n)
    with pytest.raises(RateLimited) as refused, transaction.atomic():
        spend("k", LIMIT, now=1000.0)
    assert refused.value.retry_after == 120
    with pytest.raises(RateLimited) as later, transaction.atomic():
        spend("k", LIMIT, now=1060.0)
    assert later.value.retry_after == 60
    assert spend("k", LIMIT, now=1120.0) == pytest.approx(0)


def test_a_full_bucket_does_not_grow_past_capacity() -> None:
    spend("k", LIMIT, now=0.0)
    assert spend("k", LIMIT, now=1_000_000.0) == pytest.approx(4)


def test_keys_are_separate() -> None:
    for _ in range(5):
        spend("a", LIMIT, now=0.0)
    assert spend("b", LIMIT, now=0.0) == pytest.approx(4)
    assert RateBucket.objects.count() == 2
