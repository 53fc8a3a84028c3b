import pytest
from django.core.cache import cache

from steadyops.testing.personas import Personas, make_personas

pytest_plugins = ["steadyops.testing.browser", "steadyops.testing.servers"]


@pytest.fixture
def personas(db) -> Personas:  # type: ignore[no-untyped-def]
    """admin, operator_a (team platform), operator_b (team checkout), stakeholder (marketing), viewer."""
    return make_personas()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: test databases are rolled back, cached answers are not."""
    cache.clear()
