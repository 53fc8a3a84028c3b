"""The layered layout and its SVG: edges point down, boxes never overlap, same input same bytes, text escaped."""

import itertools
import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steadyops.catalog.graph import (
    BOX_HEIGHT,
    BOX_WIDTH,
    LABEL_CHARS,
    Edge,
    Node,
    around,
    back_edges,
    layout,
    render_svg,
    subgraph,
)

SVG = "{http://www.w3.org/2000/svg}"


def nodes_named(*keys: str) -> list[Node]:
    return [Node(key, key.upper(), "service") for key in keys]


def random_graph(count: int, per_node: float, seed: int) -> tuple[list[Node], list[Edge]]:
    chance = random.Random(seed)
    nodes = [
        Node(f"n{i:04}", f"Component {i}", "service" if i % 3 else "resource", f"team {i % 7}", i % 11 == 0, i < 4)
        for i in range(count)
    ]
    edges = [
        Edge(f"n{chance.randrange(count):04}", f"n{chance.randrange(count):04}", chance.random() < 0.7)
        for _ in range(int(count * per_node))
    ]
    return nodes, edges


def assert_well_laid_out(nodes: list[Node], edges: list[Edge]) -> None:
    placed = layout(nodes, edges)
    for edge in edges:
        if edge.source == edge.target:
            continue
        upper, lower = placed.layers[edge.source], placed.layers[edge.target]
        if (edge.source, edge.target) in placed.reversed_edges:
            assert upper > lower
        else:
            assert upper < lower
    boxes = sorted(placed.positions.values())
    by_row: dict[float, list[float]] = {}
    for x, y in boxes:
        by_row.setdefault(y, []).append(x)
    rows = sorted(by_row)
    assert all(lower - upper >= BOX_HEIGHT for upper, lower in itertools.pairwise(rows))
    for xs in by_row.values():
        assert all(right - left >= BOX_WIDTH for left, right in itertools.pairwise(xs))
    assert all(x >= 0 and x + BOX_WIDTH <= placed.width for x, _ in boxes)
    assert all(y >= 0 and y + BOX_HEIGHT <= placed.height for _, y in boxes)


def test_it_puts_each_dependency_below_what_needs_it() -> None:
    nodes = nodes_named("web", "api", "db", "cache")
    edges = [Edge("web", "api"), Edge("api", "db"), Edge("web", "db"), Edge("api", "cache", hard=False)]

    placed = layout(nodes, edges)

    assert placed.layers == {"web": 0, "api": 1, "db": 2, "cache": 2}
    assert placed.reversed_edges == frozenset()
    # The long edge web → db passes a virtual node in layer 1: three points plus its two ends.
    route = next(r for r in placed.routes if (r.source, r.target) == ("web", "db"))
    assert len(route.points) == 4
    assert route.points[0][1] < route.points[-1][1]


def test_it_reverses_one_edge_of_each_cycle() -> None:
    nodes = nodes_named("a", "b", "c")
    edges = [Edge("a", "b"), Edge("b", "c"), Edge("c", "a")]

    placed = layout(nodes, edges)

    assert placed.reversed_edges == frozenset({("c", "a")})
    assert placed.layers == {"a": 0, "b": 1, "c": 2}
    route = next(r for r in placed.routes if r.reversed)
    # Drawn from c to a: upwards, ending at a's box.
    assert (route.source, route.target) == ("c", "a")
    assert route.points[0][1] > route.points[-1][1]


def test_it_finds_back_edges_without_recursion_on_a_long_chain() -> None:
    keys = [f"k{i:05}" for i in range(5000)]
    successors = {key: [nxt] for key, nxt in itertools.pairwise(keys)}
    successors[keys[-1]] = [keys[0]]

    assert back_edges(keys, successors) == {(keys[-1], keys[0])}


def test_it_starts_from_entry_points_so_they_stay_on_top() -> None:
    nodes = [Node("a-db", "DB", "resource"), Node("z-web", "Web", "service", entry_point=True)]
    edges = [Edge("a-db", "z-web"), Edge("z-web", "a-db")]

    placed = layout(nodes, edges)

    assert placed.layers == {"z-web": 0, "a-db": 1}
    assert placed.reversed_edges == frozenset({("a-db", "z-web")})


def test_it_sets_nodes_without_edges_apart_below() -> None:
    nodes = nodes_named("web", "db", *[f"lone{i:02}" for i in range(20)])

    placed = layout(nodes, [Edge("web", "db")])

    lone_rows = {placed.positions[f"lone{i:02}"][1] for i in range(20)}
    assert len(lone_rows) == 3  # 8 a row
    assert min(lone_rows) > placed.positions["db"][1]


def test_it_orders_layers_to_avoid_crossings() -> None:
    # Drawn in key order, a1 → b2 and a2 → b1 would cross; the barycenter sweep uncrosses them.
    nodes = nodes_named("a1", "a2", "b1", "b2")
    placed = layout(nodes, [Edge("a1", "b2"), Edge("a2", "b1")])

    a1, a2, b1, b2 = (placed.positions[k][0] for k in ("a1", "a2", "b1", "b2"))
    assert (a1 < a2) == (b2 < b1)


@pytest.mark.parametrize("seed", range(5))
def test_it_lays_random_graphs_out_without_overlaps(seed: int) -> None:
    nodes, edges = random_graph(60, 1.5, seed)
    assert_well_laid_out(nodes, edges)


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=25),
    pairs=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24), st.booleans()), max_size=60),
)
def test_it_keeps_its_promises_on_any_graph(count: int, pairs: list[tuple[int, int, bool]]) -> None:
    nodes = nodes_named(*[f"k{i}" for i in range(count)])
    edges = [Edge(f"k{s}", f"k{t}", hard) for s, t, hard in pairs if s < count and t < count]
    assert_well_laid_out(nodes, edges)
    ET.fromstring(render_svg(nodes, edges, title="any").encode())


def test_it_writes_the_same_bytes_for_the_same_graph_in_any_order() -> None:
    nodes, edges = random_graph(80, 1.5, 7)

    first = render_svg(nodes, edges, title="Map")
    again = render_svg(list(reversed(nodes)), list(reversed(edges)), title="Map")

    assert first == again


def test_it_escapes_hostile_labels_and_keeps_the_full_name_in_a_title() -> None:
    hostile = '<script>alert("x")</script> & <svg onload=alert(1)> ]]> a very long name indeed'
    nodes = [
        Node("evil", hostile, "service", team='"><img src=x onerror=y>', highlighted=True, entry_point=True),
        Node('k"ey<', "DB & co", "resource"),
    ]
    svg = render_svg(nodes, [Edge("evil", 'k"ey<')], title="<b>Map</b>", description="a & b")

    tree = ET.fromstring(svg.encode())  # well-formed: nothing broke out of its element or attribute
    assert "<script" not in svg
    assert "<img" not in svg
    assert "<svg onload" not in svg
    assert tree.find(f"{SVG}title").text == "<b>Map</b>"  # type: ignore[union-attr]
    group = next(g for g in tree.iter(f"{SVG}g") if g.get("data-key") == "evil")
    assert group.find(f"{SVG}title").text.startswith(hostile)  # type: ignore[union-attr]
    shown = [t.text for t in group.iter(f"{SVG}text")]
    assert shown[0] == hostile[: LABEL_CHARS - 1].rstrip() + "…"
    assert shown[1] == '"><img src=x onerror=y>'


def test_it_uses_no_inline_styles_and_marks_spofs_and_entry_points() -> None:
    nodes = [Node("web", "Web", "service", entry_point=True), Node("db", "DB", "resource", highlighted=True)]
    svg = render_svg(nodes, [Edge("web", "db")], title="Map")
    tree = ET.fromstring(svg.encode())

    assert "style=" not in svg
    assert "<style" not in svg
    rects = {g.get("data-key"): g.find(f"{SVG}rect") for g in tree.iter(f"{SVG}g") if g.get("data-key")}
    assert rects["db"].get("stroke") == "#b42318"
    assert rects["db"].get("stroke-width") == "3"
    assert rects["web"].get("stroke-width") == "1"  # type: ignore[union-attr]
    web = next(g for g in tree.iter(f"{SVG}g") if g.get("data-key") == "web")
    assert web.find(f"{SVG}line").get("marker-end") == "url(#entry)"  # type: ignore[union-attr]
    assert "Single point of failure" in svg
    assert "Customers come in here" in svg


def test_it_draws_hard_edges_solid_and_soft_ones_dashed() -> None:
    nodes = nodes_named("web", "db", "cache")
    svg = render_svg(nodes, [Edge("web", "db"), Edge("web", "cache", hard=False)], title="Map")
    edges = ET.fromstring(svg.encode()).find(f"{SVG}g[@class='edges']")

    lines = list(edges.iter(f"{SVG}polyline"))  # type: ignore[union-attr]
    assert [line.get("stroke-dasharray") for line in lines] == ["6 4", None]  # web→cache (soft) sorts first


def test_it_merges_repeated_edges_and_ignores_self_loops() -> None:
    nodes = nodes_named("a", "b")
    placed = layout(nodes, [Edge("a", "b", hard=False), Edge("a", "b"), Edge("a", "a")])

    assert [(r.source, r.target, r.hard) for r in placed.routes] == [("a", "b", True)]


def test_it_refuses_edges_to_unknown_nodes_and_repeated_keys() -> None:
    with pytest.raises(ValueError, match="do not exist: ghost"):
        layout(nodes_named("a"), [Edge("a", "ghost")])
    with pytest.raises(ValueError, match="more than once: a"):
        layout(nodes_named("a", "a"), [])


def test_it_draws_an_empty_graph_with_a_message() -> None:
    svg = render_svg([], [], title="Nothing")

    assert "Nothing to draw" in svg
    ET.fromstring(svg.encode())


def test_it_renders_a_300_node_graph_with_a_growing_view_box_and_fixed_text_size() -> None:
    small_nodes, small_edges = random_graph(20, 1.2, 3)
    nodes, edges = random_graph(300, 1.2, 3)

    small = render_svg(small_nodes, small_edges, title="Small")
    svg = render_svg(nodes, edges, title="Big")

    def view_box(text: str) -> tuple[float, float]:
        match = re.search(r'viewBox="0 0 (\d+) (\d+)"', text)
        assert match is not None
        return float(match.group(1)), float(match.group(2))

    assert view_box(svg)[0] * view_box(svg)[1] > 10 * view_box(small)[0] * view_box(small)[1]
    tree = ET.fromstring(svg.encode())
    assert len([g for g in tree.iter(f"{SVG}g") if g.get("data-key")]) == 300
    assert {t.get("font-size") for t in tree.iter(f"{SVG}text") if t.get("font-size")} == {"12", "10"}
    assert_well_laid_out(nodes, edges)


def test_it_finds_the_neighbourhood_two_steps_each_way() -> None:
    edges = [Edge("a", "b"), Edge("b", "c"), Edge("c", "d"), Edge("x", "a"), Edge("y", "x"), Edge("z", "y")]

    keys = around({"b"}, edges, hops=2)

    # b needs c and d two steps down; a and x need b, two steps up; y is three away, and "a's other
    # neighbours" are not followed sideways.
    assert keys == {"a", "b", "c", "d", "x"}
    nodes, kept = subgraph(nodes_named("a", "b", "c", "d", "x", "y", "z"), edges, keys)
    assert [n.key for n in nodes] == ["a", "b", "c", "d", "x"]
    assert kept == edges[:4]
