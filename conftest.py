import pytest

from steadyops.testing.personas import Personas, make_personas

pytest_plugins = ["steadyops.testing.browser", "steadyops.testing.servers"]


@pytest.fixture
def personas(db) -> Personas:  # type: ignore[no-untyped-def]
    """admin, operator_a (team platform), operator_b (team checkout), stakeholder (marketing), viewer."""
    return make_personas()
