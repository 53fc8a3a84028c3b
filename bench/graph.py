"""Dependency map pictures: the layered layout and SVG of a generated catalog, against a floor.

The catalog is a seeded random layered graph, like the SPOF benchmark's but picture-sized: a 200-node graph
(a large system) and a 1,000-node one (a whole company), 1.5 dependencies per component, each from a component
to one of the next two layers or, rarely, back up one (so that there are cycles to break), 2 % entry points in
the first layer, one component in twenty a single point of failure.

Ours (`steadyops.catalog.graph.render_svg`: cycle breaking, layers, virtual nodes, barycenter ordering, x
placement, SVG) is timed best of three. The floor writes the same number of boxes with their labels, escaped,
on a grid, with no layout and no edges: what drawing the components costs at the least. The ratio says what the
layout adds. The table goes to BENCHMARKS.md. Run with `make bench` or `python bench/graph.py`.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from report import machine, replace_section

from steadyops.catalog.graph import BOX_HEIGHT, BOX_WIDTH, Edge, Node, render_svg

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261129
SIZES = (200, 1000)
PER_NODE = 1.5
LAYERS = 8
UPWARD = 0.01
REPEATS = 3


def generate(count: int, seed: int) -> tuple[list[Node], list[Edge]]:
    chance = random.Random(seed)
    layer_of = [min(LAYERS - 1, i * LAYERS // count) for i in range(count)]
    by_layer: dict[int, list[int]] = {}
    for index, layer in enumerate(layer_of):
        by_layer.setdefault(layer, []).append(index)
    nodes = [
        Node(
            key=f"service:s{index:05}",
            label=f"Component {index} of team {index % 23}",
            kind="service" if index % 4 else "resource",
            team=f"Team {index % 23}",
            highlighted=index % 20 == 7,
            entry_point=layer_of[index] == 0 and index % 50 == 0,
        )
        for index in range(count)
    ]
    edges: list[Edge] = []
    for _ in range(int(count * PER_NODE)):
        source = chance.randrange(count)
        layer = layer_of[source]
        if chance.random() < UPWARD and layer > 0:
            target_layer = layer - 1
        else:
            target_layer = min(LAYERS - 1, layer + chance.choice((1, 1, 2)))
        target = chance.choice(by_layer[target_layer])
        if target != source:
            edges.append(Edge(nodes[source].key, nodes[target].key, chance.random() < 0.75))
    return nodes, edges


def floor(nodes: list[Node], edges: list[Edge]) -> str:
    """The same boxes and labels, escaped, on a grid: no layout, no edges."""
    columns = 20
    parts = ['<svg xmlns="http://www.w3.org/2000/svg">']
    for index, node in enumerate(nodes):
        row, column = divmod(index, columns)
        x, y = column * (BOX_WIDTH + 28), row * (BOX_HEIGHT + 64)
        parts.append(
            f'<g><title>{escape(node.label)}</title><rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" '
            f'fill="#e8f0fe" stroke="#52606d"/><text x="{x + 8}" y="{y + 18}" font-size="12">{escape(node.label)}'
            f'</text><text x="{x + 8}" y="{y + 34}" font-size="10">{escape(node.team)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def best(function: Callable[[], str]) -> tuple[float, str]:
    timings = []
    result = ""
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> int:
    began = time.perf_counter()
    rows = []
    for count in SIZES:
        nodes, edges = generate(count, SEED + count)
        ours, svg = best(lambda nodes=nodes, edges=edges: render_svg(nodes, edges, title="Benchmark"))
        again = render_svg(list(reversed(nodes)), list(reversed(edges)), title="Benchmark")
        if again != svg:
            print("the same graph in another order drew different bytes", file=sys.stderr)
            return 1
        least, _ = best(lambda nodes=nodes, edges=edges: floor(nodes, edges))
        rows.append((count, len(edges), ours, least, len(svg)))
        print(
            f"{count} nodes, {len(edges)} edges: layout + SVG {ours * 1000:.1f} ms, floor {least * 1000:.2f} ms, "
            f"ratio {ours / least:.0f}x, {len(svg) / 1024:.0f} KiB"
        )
    table = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Command: `make bench` (`python bench/graph.py`), seed {SEED}, run took {time.perf_counter() - began:.0f} s",
        f"- Graphs: {LAYERS} layers, {PER_NODE} dependencies per component (75 % hard, {UPWARD:.0%} back up a "
        "layer); ours best of 3, the floor (the same boxes and labels on a grid, no layout, no edges) best of 3",
        "",
        "| nodes | edges | layout + SVG | floor: boxes only | ratio | SVG size |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {count:,} | {edge_count:,} | {ours * 1000:.1f} ms | {least * 1000:.2f} ms | {ours / least:.0f} times | "
            f"{size / 1024:.0f} KiB |"
            for count, edge_count, ours, least, size in rows
        ),
    ]
    replace_section(
        ROOT / "BENCHMARKS.md",
        "\n".join(table),
        script="bench/graph.py",
        heading="Dependency map pictures (`bench/graph.py`)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
