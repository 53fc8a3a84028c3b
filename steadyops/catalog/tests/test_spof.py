from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steadyops.catalog.spof import (
    Component,
    Dependency,
    Finding,
    Impact,
    dependency_cycles,
    find_spofs,
    what_if,
)
from steadyops.testing.spof_oracle import networkx_find_spofs, networkx_what_if


def entry(key: str, name: str, instances: int | None = 2, zones: int | None = 2) -> Component:
    return Component(key, name, True, instances, zones)


def part(key: str, name: str, instances: int | None = 2, zones: int | None = 2) -> Component:
    return Component(key, name, False, instances, zones)


def hard(source: str, target: str, degrades: str = "no") -> Dependency:
    return Dependency(source, target, True, degrades)  # type: ignore[arg-type]


def soft(source: str, target: str, degrades: str = "no") -> Dependency:
    return Dependency(source, target, False, degrades)  # type: ignore[arg-type]


def test_it_finds_every_weak_link_of_a_chain() -> None:
    components = [entry("shop", "Shop"), part("api", "Shop API", instances=1), part("db", "Orders DB", None, None)]
    dependencies = [hard("shop", "api"), hard("api", "db")]

    assert find_spofs(components, dependencies) == [
        Finding(
            "api",
            "single_instance",
            "Shop cannot work when Shop API fails: it runs as one instance.",
            ("shop",),
            "Run a second instance in another zone, or make Shop degrade gracefully without it.",
        ),
        Finding(
            "db",
            "cuts_off",
            "Shop cannot work when Orders DB fails, and nothing on record shows that it runs more than one instance.",
            ("shop",),
            "Record how many instances of Orders DB run and in how many zones; if one instance, add a second in "
            "another zone, or make Shop degrade gracefully without it.",
        ),
    ]
    assert what_if(components, dependencies, "db") == Impact("db", ("api", "shop"), ())


def test_it_needs_both_sides_of_a_diamond() -> None:
    # web needs a and b (no dependency here is satisfied by an alternative), both need db.
    components = [
        entry("web", "Web"),
        part("a", "Basket", 3, 2),
        part("b", "Prices", instances=1),
        part("db", "Shop DB", 2, 1),
    ]
    dependencies = [hard("web", "a"), hard("web", "b"), hard("a", "db"), hard("b", "db")]

    assert [(f.component, f.kind, f.blast_radius) for f in find_spofs(components, dependencies)] == [
        ("b", "single_instance", ("web",)),
        ("db", "single_zone", ("web",)),
    ]
    assert what_if(components, dependencies, "db") == Impact("db", ("a", "b", "web"), ())


def test_it_flags_a_database_whose_replicas_share_one_zone() -> None:
    components = [
        entry("storefront", "Storefront"),
        entry("checkout", "Checkout", 3, 2),
        part("payments-db", "Payments DB", instances=2, zones=1),
    ]
    dependencies = [hard("storefront", "checkout"), hard("checkout", "payments-db")]

    assert find_spofs(components, dependencies) == [
        Finding(
            "payments-db",
            "single_zone",
            "Checkout and Storefront cannot work when Payments DB fails: its 2 instances all run in one zone.",
            ("checkout", "storefront"),
            "Spread Payments DB over at least two zones, or make Checkout and Storefront degrade gracefully "
            "without it.",
        )
    ]


def test_it_does_not_spread_a_failure_over_a_soft_dependency() -> None:
    components = [entry("shop", "Shop"), part("recs", "Recommendations", instances=1)]
    dependencies = [soft("shop", "recs", degrades="unknown")]

    assert find_spofs(components, dependencies) == []
    assert what_if(components, dependencies, "recs") == Impact("recs", (), ("shop",))


def test_it_does_not_spread_a_failure_over_a_hard_dependency_that_degrades_gracefully() -> None:
    components = [entry("shop", "Shop"), part("search", "Search", instances=1), part("index", "Index", 1)]
    dependencies = [hard("shop", "search", degrades="yes"), hard("search", "index")]

    assert [(f.component, f.kind, f.blast_radius) for f in find_spofs(components, dependencies)] == []
    assert what_if(components, dependencies, "index") == Impact("index", ("search",), ("shop",))
    assert what_if(components, dependencies, "search") == Impact("search", (), ("shop",))


def test_it_breaks_a_whole_cycle_when_one_member_fails() -> None:
    components = [
        entry("shop", "Shop", instances=1),
        part("cart", "Cart", instances=1),
        part("stock", "Stock", None, None),
        part("pricing", "Pricing", 4, None),
    ]
    # shop and cart need each other; so do stock and pricing, which cart needs.
    dependencies = [
        hard("shop", "cart"),
        hard("cart", "shop"),
        hard("cart", "stock"),
        hard("stock", "pricing"),
        hard("pricing", "stock"),
    ]

    findings = find_spofs(components, dependencies)

    # The shop is in the cycle too, but its failure cuts off only itself: not a finding.
    assert [(f.component, f.kind, f.blast_radius) for f in findings] == [
        ("cart", "single_instance", ("shop",)),
        ("pricing", "cuts_off", ("shop",)),
        ("stock", "cuts_off", ("shop",)),
    ]
    assert findings[1].explanation == (
        "Shop cannot work when Pricing fails: it runs 4 instances, and nothing on record shows that they are in "
        "more than one zone."
    )
    assert what_if(components, dependencies, "pricing") == Impact("pricing", ("cart", "shop", "stock"), ())
    assert what_if(components, dependencies, "shop") == Impact("shop", ("cart",), ())


def test_it_reports_an_entry_point_that_cuts_off_another() -> None:
    components = [entry("web", "Web", instances=1), entry("api", "Public API", instances=1)]

    assert find_spofs(components, [hard("web", "api")]) == [
        Finding(
            "api",
            "single_instance",
            "Web cannot work when Public API fails: it runs as one instance.",
            ("api", "web"),
            "Run a second instance in another zone, or make Web degrade gracefully without it.",
        )
    ]


def test_it_asks_for_the_fallback_of_a_hard_dependency_nobody_described() -> None:
    components = [entry("shop", "Shop"), part("pay", "Payments"), part("vendor", "Card vendor"), part("batch", "Batch")]
    dependencies = [
        hard("shop", "pay", degrades="unknown"),
        hard("shop", "pay", degrades="unknown"),  # listed twice, one finding
        hard("pay", "vendor"),
        hard("batch", "vendor", degrades="unknown"),  # not on a route from an entry point
    ]

    assert find_spofs(components, dependencies) == [
        Finding(
            "pay",
            "no_fallback",
            "Shop needs Payments, and nobody has described what Shop does when Payments fails, so a failure of "
            "Payments may cut off Shop.",
            ("shop",),
            "Describe how Shop carries on without Payments and mark the dependency as degrading gracefully, or mark "
            "it as not degrading so that the risk is on record.",
            dependent="shop",
        )
    ]


def test_it_orders_findings_by_blast_radius_and_counts_the_journeys_it_does_not_name() -> None:
    entries = [entry(f"e{i}", f"Journey {i}") for i in range(5)]
    components = [*entries, part("auth", "Login", instances=1), part("cache", "Cache", instances=1)]
    dependencies = [hard(e.key, "auth") for e in entries] + [hard("e0", "cache")]

    findings = find_spofs(components, dependencies)

    assert [(f.component, f.blast_radius) for f in findings] == [
        ("auth", ("e0", "e1", "e2", "e3", "e4")),
        ("cache", ("e0",)),
    ]
    assert findings[0].explanation == (
        "Journey 0, Journey 1, Journey 2 and 2 more cannot work when Login fails: it runs as one instance."
    )


def test_it_leaves_redundant_components_and_unreached_ones_alone() -> None:
    components = [entry("shop", "Shop"), part("api", "API", 2, 2), part("island", "Island", instances=1)]

    assert find_spofs(components, [hard("shop", "api"), hard("island", "api")]) == []


def test_it_names_the_keys_of_a_dependency_that_do_not_exist() -> None:
    components = [entry("shop", "Shop")]
    dependencies = [hard("shop", "phantom"), hard("ghost", "shop")]

    with pytest.raises(ValueError, match=r"^dependencies name components that do not exist: ghost, phantom$"):
        find_spofs(components, dependencies)
    with pytest.raises(ValueError, match=r"^dependencies name components that do not exist: ghost, phantom$"):
        what_if(components, dependencies, "shop")


def test_it_refuses_a_key_listed_twice_a_wrong_degrades_and_an_unknown_failure() -> None:
    with pytest.raises(ValueError, match=r"^components listed more than once: shop$"):
        find_spofs([entry("shop", "Shop"), part("shop", "Shop again")], [])
    with pytest.raises(ValueError, match=r"^degrades must be yes, no or unknown, not 'maybe'$"):
        find_spofs([entry("shop", "Shop"), part("db", "DB")], [hard("shop", "db", degrades="maybe")])
    with pytest.raises(ValueError, match=r"^no component has the key 'db'$"):
        what_if([entry("shop", "Shop")], [], "db")


def test_it_finds_nothing_in_an_empty_catalog() -> None:
    assert find_spofs([], []) == []
    assert find_spofs(iter([part("db", "DB", 1)]), iter([])) == []


def test_it_ignores_a_component_depending_on_itself() -> None:
    components = [entry("shop", "Shop"), part("db", "DB", 1)]

    assert find_spofs(components, [hard("db", "db", "unknown")]) == []
    assert what_if(components, [hard("db", "db")], "db") == Impact("db", (), ())


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[list[Component], list[Dependency]]:
    size = draw(st.integers(min_value=0, max_value=60))
    components = [
        Component(
            f"k{i:02d}",
            f"Component {i}",
            draw(st.booleans()),
            draw(st.sampled_from([None, 0, 1, 2, 3])),
            draw(st.sampled_from([None, 1, 2])),
        )
        for i in range(size)
    ]
    if not components:
        return components, []
    index = st.integers(min_value=0, max_value=size - 1)
    edges = draw(
        st.lists(
            st.tuples(index, index, st.booleans(), st.sampled_from(["yes", "no", "unknown"])),
            max_size=3 * size,
        )
    )
    dependencies = [
        Dependency(components[s].key, components[t].key, is_hard, degrades)  # type: ignore[arg-type]
        for s, t, is_hard, degrades in edges
    ]
    return components, dependencies


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_it_agrees_with_networkx_on_random_catalogs(catalog: tuple[list[Component], list[Dependency]]) -> None:
    components, dependencies = catalog

    assert find_spofs(components, dependencies) == networkx_find_spofs(components, dependencies)
    for component in components:
        assert what_if(components, dependencies, component.key) == networkx_what_if(
            components, dependencies, component.key
        )


def test_it_flags_circles_of_dependencies_largest_first() -> None:
    components = [part(key, key.upper()) for key in ("a", "b", "c", "d", "e", "f")]
    dependencies = [
        hard("a", "b"),
        hard("b", "c"),
        soft("c", "a"),  # soft dependencies close a circle too
        hard("d", "e"),
        hard("e", "d"),
        hard("f", "f"),  # a component needing itself is no circle
        hard("c", "d"),
    ]

    assert dependency_cycles(components, dependencies) == [("a", "b", "c"), ("d", "e")]
    assert dependency_cycles(components, dependencies[:2]) == []


def test_it_names_unknown_components_in_circles() -> None:
    with pytest.raises(ValueError, match="unknown components: ghost"):
        dependency_cycles([part("a", "A")], [hard("a", "ghost")])


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_it_finds_the_same_circles_as_networkx(graph: tuple[list[Component], list[Dependency]]) -> None:
    components, dependencies = graph
    reference = nx.DiGraph()
    reference.add_nodes_from(c.key for c in components)
    reference.add_edges_from((d.source, d.target) for d in dependencies if d.source != d.target)
    expected = sorted(
        (tuple(sorted(group)) for group in nx.strongly_connected_components(reference) if len(group) > 1),
        key=lambda group: (-len(group), group),
    )
    assert dependency_cycles(components, dependencies) == expected
