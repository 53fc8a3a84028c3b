"""Long-running processes load their code up front and set it aside from the garbage collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from django.urls import get_resolver

from steadyops.core.memory import freeze_loaded_code


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_everything_loaded_is_frozen_and_the_pages_are_loaded(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    freeze_loaded_code()
    assert "url_patterns" in get_resolver().__dict__
    assert gc.get_freeze_count() > 100_000
