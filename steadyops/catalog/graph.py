"""Pictures of the dependency graph: a layered layout drawn as SVG.

This module knows nothing of the database: the catalog's pages turn rows into `Node` and `Edge` values and
call `render_svg`. An edge `source → target` means *source needs target*, so what people use sits at the top
and what everything rests on (databases, vendors) at the bottom.

The layout follows Sugiyama's method:

1. break cycles: a depth-first search from every node in a fixed order finds the back edges, which are laid
   out reversed (and still drawn pointing at their real target);
2. assign layers by the longest path from the top, so every edge points down;
3. split edges that span several layers with virtual nodes, one per layer crossed, so no edge runs through
   a box;
4. order each layer by the barycenter of its neighbours, sweeping down and up a few times and keeping the
   order with the fewest crossings;
5. place boxes: y by layer; x as near as possible to the mean of the neighbours' x while keeping the layer's
   order and the spacing between boxes (an isotonic regression, solved exactly by pooling adjacent violators).

Nodes without any edge are set apart in a grid below the graph, so that a catalog with many of them stays
narrow. The SVG uses presentation attributes only (no `style` attributes: the content security policy refuses
inline styles), a fixed text size, and a viewBox that grows with the graph. Every text comes from users and
is escaped. The same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

NodeKind = Literal["service", "resource"]

# Bump when the drawing changes, so that cached pictures are drawn again.
VERSION = "1"

BOX_WIDTH = 184
BOX_HEIGHT = 44
VIRTUAL_WIDTH = 14
VIRTUAL_GAP = 6  # between two virtual nodes
GAP = 28  # between two boxes of a layer
LAYER_GAP = 64  # between two layers
MARGIN = 24
FONT_SIZE = 12
SMALL_FONT_SIZE = 10
LABEL_CHARS = 22  # what fits in a box at FONT_SIZE; longer labels are cut, the full one is in the title
DETAIL_CHARS = 30
LEGEND_HEIGHT = 88
LEGEND_MIN_WIDTH = 720
PORT_STEP = 14  # between two edges meeting one side of a box
LONE_PER_ROW = 8  # nodes without edges, per row of their grid
SWEEPS = 4

INK = "#1f2933"
MUTED = "#52606d"
SERVICE_FILL = "#e8f0fe"
RESOURCE_FILL = "#f5f7fa"
SPOF_STROKE = "#b42318"
SPOF_FILL = "#fdecea"
ENTRY_STROKE = "#1f7a4d"
FONT_FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


@dataclass(frozen=True, slots=True)
class Node:
    """A box in the picture: a service or a resource, its owning team, and whether it is a SPOF or an entry point."""

    key: str
    label: str
    kind: NodeKind
    team: str = ""
    highlighted: bool = False
    entry_point: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    """`source` needs `target`; hard edges are drawn solid, soft ones dashed."""

    source: str
    target: str
    hard: bool = True


@dataclass(frozen=True, slots=True)
class Route:
    """An edge as drawn: the points it passes through, from its source's box to its target's."""

    source: str
    target: str
    hard: bool
    reversed: bool
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes: the top-left corner of each box, its layer, and each edge's route."""

    positions: dict[str, tuple[float, float]]
    layers: dict[str, int]
    routes: tuple[Route, ...]
    reversed_edges: frozenset[tuple[str, str]]
    width: float
    height: float


def _merged_edges(nodes: dict[str, Node], edges: Iterable[Edge]) -> dict[tuple[str, str], bool]:
    """One edge per ordered pair, hard when any of the listed ones is; self-loops left out."""
    merged: dict[tuple[str, str], bool] = {}
    missing: set[str] = set()
    for edge in edges:
        for key in (edge.source, edge.target):
            if key not in nodes:
                missing.add(key)
        if edge.source == edge.target:
            continue
        pair = (edge.source, edge.target)
        merged[pair] = merged.get(pair, False) or edge.hard
    if missing:
        raise ValueError(f"edges name nodes that do not exist: {', '.join(sorted(missing))}")
    return merged


def back_edges(keys: Sequence[str], successors: dict[str, list[str]]) -> set[tuple[str, str]]:
    """The edges a depth-first search from each key in turn finds pointing back to a node still on its path.

    Reversing them leaves a graph without cycles. Iterative, so that a long chain does not hit Python's
    recursion limit.
    """
    state: dict[str, int] = {}  # 1 on the path, 2 done
    found: set[tuple[str, str]] = set()
    for root in keys:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack[-1]
            following = successors[node]
            if index == len(following):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, index + 1)
            nxt = following[index]
            seen = state.get(nxt)
            if seen is None:
                state[nxt] = 1
                stack.append((nxt, 0))
            elif seen == 1:
                found.add((node, nxt))
    return found


def _longest_path_layers(keys: Sequence[str], downward: list[tuple[str, str]], on_top: set[str]) -> dict[str, int]:
    """Each node one layer below the lowest of what needs it; then, from the bottom up, each node that is not
    `on_top` moved down to just above the highest of what it needs, which shortens edges from nodes that
    nothing needs (fewer virtual nodes, a narrower picture) and keeps every edge pointing down."""
    successors: dict[str, list[str]] = {key: [] for key in keys}
    waiting = dict.fromkeys(keys, 0)
    for upper, lower in downward:
        successors[upper].append(lower)
        waiting[lower] += 1
    layer = dict.fromkeys(keys, 0)
    ready = [key for key in keys if waiting[key] == 0]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for lower in successors[node]:
            layer[lower] = max(layer[lower], layer[node] + 1)
            waiting[lower] -= 1
            if waiting[lower] == 0:
                ready.append(lower)
    for node in reversed(order):
        if successors[node] and node not in on_top:
            layer[node] = min(layer[lower] for lower in successors[node]) - 1
    return layer


def _crossings(upper: list[str], lower: list[str], down: dict[str, list[str]]) -> int:
    """Crossings between two adjacent layers: inversions among the edges sorted by their upper end."""
    position = {key: index for index, key in enumerate(lower)}
    ends = []
    for source in upper:
        ends.extend(sorted(position[target] for target in down[source]))
    tree = [0] * (len(lower) + 1)
    count = 0
    for seen, end in enumerate(ends):
        # Edges already seen whose lower end is right of this one cross it.
        index, not_right = end + 1, 0
        while index > 0:
            not_right += tree[index]
            index -= index & -index
        count += seen - not_right
        index = end + 1
        while index <= len(lower):
            tree[index] += 1
            index += index & -index
    return count


def _total_crossings(rows: list[list[str]], down: dict[str, list[str]]) -> int:
    return sum(_crossings(rows[i], rows[i + 1], down) for i in range(len(rows) - 1))


def _barycenter_sweep(rows: list[list[str]], neighbours: dict[str, list[str]], fixed: int, moving: int) -> None:
    position = {key: index for index, key in enumerate(rows[fixed])}
    current = {key: index for index, key in enumerate(rows[moving])}

    def weight(key: str) -> tuple[float, int]:
        linked = [position[other] for other in neighbours[key] if other in position]
        # Nodes with no neighbour in the fixed layer keep their place.
        return (sum(linked) / len(linked) if linked else float(current[key]), current[key])

    rows[moving].sort(key=weight)


def _order(rows: list[list[str]], down: dict[str, list[str]], up: dict[str, list[str]]) -> list[list[str]]:
    best = [list(row) for row in rows]
    fewest = _total_crossings(best, down)
    for _ in range(SWEEPS):
        if fewest == 0:
            break
        for index in range(1, len(rows)):
            _barycenter_sweep(rows, up, index - 1, index)
        for index in range(len(rows) - 2, -1, -1):
            _barycenter_sweep(rows, down, index + 1, index)
        crossings = _total_crossings(rows, down)
        if crossings < fewest:
            fewest, best = crossings, [list(row) for row in rows]
    return best


def _offsets(widths: list[float]) -> list[float]:
    """The centres of boxes of these widths set side by side as close as allowed, the first at 0; virtual
    nodes sit closer together than boxes, so that bundles of long edges stay narrow."""
    offsets = [0.0]
    for left, right in pairwise(widths):
        gap = GAP if max(left, right) > VIRTUAL_WIDTH else VIRTUAL_GAP
        offsets.append(offsets[-1] + (left + right) / 2 + gap)
    return offsets


def _place_in_order(desired: list[float], widths: list[float]) -> list[float]:
    """Centres as near as possible (least squares) to `desired`, in the given order, never closer than their
    half widths plus GAP: with the spacing subtracted, the centres must not decrease, which pooling adjacent
    violators solves exactly."""
    offsets = _offsets(widths)
    blocks: list[list[float]] = []  # [mean, count]
    for want, offset in zip(desired, offsets, strict=True):
        blocks.append([want - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            previous = blocks[-1]
            previous[0] = (previous[0] * previous[1] + mean * count) / (previous[1] + count)
            previous[1] += count
    fitted: list[float] = []
    for mean, count in blocks:
        fitted.extend([mean] * int(count))
    return [value + offset for value, offset in zip(fitted, offsets, strict=True)]


def _x_positions(
    rows: list[list[str]], widths: dict[str, float], down: dict[str, list[str]], up: dict[str, list[str]]
) -> dict[str, float]:
    x: dict[str, float] = {}
    packed = [_offsets([widths[key] for key in row]) for row in rows]
    span = max((offsets[-1] for offsets in packed if offsets), default=0.0)
    for row, offsets in zip(rows, packed, strict=True):
        for key, offset in zip(row, offsets, strict=True):
            x[key] = (span - offsets[-1]) / 2 + offset
    # Pull each layer towards its neighbours, down then up, twice.
    for _ in range(2):
        for neighbours, order in ((up, rows[1:]), (down, rows[-2::-1])):
            for row in order:
                desired = []
                for key in row:
                    linked = [x[other] for other in neighbours[key]]
                    desired.append(sum(linked) / len(linked) if linked else x[key])
                for key, value in zip(row, _place_in_order(desired, [widths[k] for k in row]), strict=True):
                    x[key] = value
    return x


def _ports(
    chains: dict[tuple[str, str], list[str]], centre_x: dict[str, float]
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Where each edge leaves the bottom of its upper box and enters the top of its lower one: spread along
    the side in the order of where the edge comes from or goes, so that arrowheads do not pile up."""
    bottoms: dict[str, list[tuple[float, tuple[str, str]]]] = {}
    tops: dict[str, list[tuple[float, tuple[str, str]]]] = {}
    for pair, chain in chains.items():
        bottoms.setdefault(chain[0], []).append((centre_x[chain[1]], pair))
        tops.setdefault(chain[-1], []).append((centre_x[chain[-2]], pair))
    spread: list[dict[tuple[str, str], float]] = [{}, {}]
    for side, ends in zip(spread, (bottoms, tops), strict=True):
        for key, listed in ends.items():
            listed.sort()
            step = min(PORT_STEP, BOX_WIDTH * 0.7 / max(len(listed) - 1, 1))
            for index, (_, pair) in enumerate(listed):
                side[pair] = round(centre_x[key] + (index - (len(listed) - 1) / 2) * step)
    return spread[0], spread[1]


def layout(nodes: Iterable[Node], edges: Iterable[Edge]) -> Layout:
    """Lay the graph out in layers; raises ValueError when an edge names a node not given."""
    by_key: dict[str, Node] = {}
    for node in nodes:
        if node.key in by_key:
            raise ValueError(f"node listed more than once: {node.key}")
        by_key[node.key] = node
    merged = _merged_edges(by_key, edges)
    linked = sorted({key for pair in merged for key in pair})
    lone = sorted(set(by_key) - set(linked), key=lambda key: (by_key[key].label, key))

    # Start the search from entry points, so that what customers use tends to stay at the top.
    roots = sorted(linked, key=lambda key: (not by_key[key].entry_point, key))
    successors: dict[str, list[str]] = {key: [] for key in linked}
    for source, target in sorted(merged):
        successors[source].append(target)
    backwards = back_edges(roots, successors)
    downward = sorted(
        (target, source) if (source, target) in backwards else (source, target) for source, target in merged
    )
    layer = _longest_path_layers(linked, downward, {key for key in linked if by_key[key].entry_point})

    # Virtual nodes: one per layer an edge crosses. Their keys start with a NUL, which no real key contains.
    widths = {key: float(BOX_WIDTH) for key in linked}
    down: dict[str, list[str]] = {key: [] for key in linked}
    up: dict[str, list[str]] = {key: [] for key in linked}
    chains: dict[tuple[str, str], list[str]] = {}
    for upper, lower in downward:
        chain = [upper]
        for step in range(layer[upper] + 1, layer[lower]):
            virtual = f"\x00{upper}\x00{lower}\x00{step}"
            layer[virtual] = step
            widths[virtual] = VIRTUAL_WIDTH
            down[virtual], up[virtual] = [], []
            chain.append(virtual)
        chain.append(lower)
        for higher, deeper in pairwise(chain):
            down[higher].append(deeper)
            up[deeper].append(higher)
        chains[(upper, lower)] = chain

    depth = max(layer.values(), default=-1) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    # First order: a breadth-first reading from the top, entry points first, then by label.
    placed: set[str] = set()
    for key in sorted((k for k in linked if layer[k] == 0), key=lambda k: (not by_key[k].entry_point, k)):
        rows[0].append(key)
        placed.add(key)
    for index in range(depth - 1):
        for key in rows[index]:
            for lower in down[key]:
                if lower not in placed and layer[lower] == index + 1:
                    rows[index + 1].append(lower)
                    placed.add(lower)
        for key in sorted(k for k, level in layer.items() if level == index + 1 and k not in placed):
            rows[index + 1].append(key)
            placed.add(key)
    rows = _order(rows, down, up)
    centres = _x_positions(rows, widths, down, up)

    shift = min((centres[key] - widths[key] / 2 for key in centres), default=0.0)
    top = MARGIN + LEGEND_HEIGHT
    positions: dict[str, tuple[float, float]] = {}
    centre_x: dict[str, float] = {}
    for key, centre in centres.items():
        centre_x[key] = centre - shift + MARGIN
        if key in by_key:
            positions[key] = (round(centre_x[key] - BOX_WIDTH / 2), top + layer[key] * (BOX_HEIGHT + LAYER_GAP))
    graph_width = max((centre_x[key] + widths[key] / 2 for key in centre_x), default=0.0) + MARGIN
    graph_bottom = top + depth * (BOX_HEIGHT + LAYER_GAP) - LAYER_GAP if depth else top - LAYER_GAP

    lone_top = graph_bottom + LAYER_GAP
    for index, key in enumerate(lone):
        row, column = divmod(index, LONE_PER_ROW)
        positions[key] = (MARGIN + column * (BOX_WIDTH + GAP), lone_top + row * (BOX_HEIGHT + GAP))
        layer[key] = depth + row
    lone_rows = (len(lone) + LONE_PER_ROW - 1) // LONE_PER_ROW
    lone_width = MARGIN * 2 + min(len(lone), LONE_PER_ROW) * (BOX_WIDTH + GAP) - GAP if lone else 0
    bottom = lone_top + lone_rows * (BOX_HEIGHT + GAP) - GAP if lone else graph_bottom

    leaving, arriving = _ports(chains, centre_x)
    routes = []
    for (source, target), hard in sorted(merged.items()):
        flipped = (source, target) in backwards
        pair = (target, source) if flipped else (source, target)
        chain = chains[pair]
        points: list[tuple[float, float]] = []
        for position, key in enumerate(chain):
            y = top + layer[key] * (BOX_HEIGHT + LAYER_GAP)
            if position == 0:
                points.append((leaving[pair], y + BOX_HEIGHT))
            elif position == len(chain) - 1:
                points.append((arriving[pair], y))
            else:
                points.extend([(round(centre_x[key]), y), (round(centre_x[key]), y + BOX_HEIGHT)])
        if flipped:
            points.reverse()
        routes.append(Route(source, target, hard, flipped, tuple(points)))

    width = max(graph_width, lone_width, MARGIN * 2 + LEGEND_MIN_WIDTH)
    height = max(bottom + MARGIN, top + MARGIN)
    layers = {key: layer[key] for key in by_key}
    return Layout(positions, layers, tuple(routes), frozenset(backwards), width, height)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _box(node: Node, x: float, y: float) -> list[str]:
    fill = SPOF_FILL if node.highlighted else SERVICE_FILL if node.kind == "service" else RESOURCE_FILL
    stroke = SPOF_STROKE if node.highlighted else MUTED
    thickness = "3" if node.highlighted else "1"
    corner = "8" if node.kind == "service" else "2"
    what = "service" if node.kind == "service" else "resource"
    notes = [what]
    if node.team:
        notes.append(f"owned by {node.team}")
    if node.entry_point:
        notes.append("customers use it directly")
    if node.highlighted:
        notes.append("single point of failure")
    detail = node.team or what
    parts = [
        f'<g class="node" data-key={quoteattr(node.key)}>',
        f"<title>{escape(node.label)} ({escape(', '.join(notes))})</title>",
    ]
    if node.entry_point:
        middle = _number(x + BOX_WIDTH / 2)
        parts.append(
            f'<line x1="{middle}" y1="{_number(y - 22)}" x2="{middle}" y2="{_number(y - 4)}" stroke="{ENTRY_STROKE}" '
            f'stroke-width="3" marker-end="url(#entry)"/>'
        )
    parts.append(
        f'<rect x="{_number(x)}" y="{_number(y)}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="{corner}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{thickness}"/>'
    )
    parts.append(
        f'<text x="{_number(x + 8)}" y="{_number(y + 18)}" font-size="{FONT_SIZE}" font-weight="600" '
        f'fill="{INK}">{escape(_cut(node.label, LABEL_CHARS))}</text>'
    )
    parts.append(
        f'<text x="{_number(x + 8)}" y="{_number(y + 34)}" font-size="{SMALL_FONT_SIZE}" '
        f'fill="{MUTED}">{escape(_cut(detail, DETAIL_CHARS))}</text>'
    )
    parts.append("</g>")
    return parts


def _route(route: Route) -> str:
    points = " ".join(f"{_number(x)},{_number(y)}" for x, y in route.points)
    dash = "" if route.hard else ' stroke-dasharray="6 4"'
    colour = INK if route.hard else MUTED
    return (
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.4"{dash} '
        f'marker-end="url(#arrow{"" if route.hard else "-soft"})"/>'
    )


def _legend() -> list[str]:
    y = MARGIN
    parts = ['<g class="legend" font-size="11">']
    items = [
        (0, f'<rect x="0" y="0" width="28" height="18" rx="6" fill="{SERVICE_FILL}" stroke="{MUTED}"/>', "Service"),
        (110, f'<rect x="0" y="0" width="28" height="18" rx="2" fill="{RESOURCE_FILL}" stroke="{MUTED}"/>', "Resource"),
        (
            225,
            f'<rect x="0" y="0" width="28" height="18" rx="6" fill="{SPOF_FILL}" stroke="{SPOF_STROKE}" '
            f'stroke-width="3"/>',
            "Single point of failure",
        ),
        (
            420,
            f'<line x1="14" y1="-4" x2="14" y2="14" stroke="{ENTRY_STROKE}" stroke-width="3" '
            'marker-end="url(#entry)"/>',
            "Customers come in here",
        ),
    ]
    for x, shape, words in items:
        parts.append(f'<g transform="translate({MARGIN + x},{y})">{shape}')
        parts.append(f'<text x="36" y="13" fill="{INK}">{escape(words)}</text></g>')
    lines = [
        (0, "", INK, "arrow", "Needs (stops without it)"),
        (225, ' stroke-dasharray="6 4"', MUTED, "arrow-soft", "Uses (works less well without it)"),
    ]
    for x, dash, colour, marker, words in lines:
        parts.append(
            f'<g transform="translate({MARGIN + x},{y + 34})"><line x1="0" y1="9" x2="28" y2="9" stroke="{colour}" '
            f'stroke-width="1.4"{dash} marker-end="url(#{marker})"/>'
        )
        parts.append(f'<text x="36" y="13" fill="{INK}">{escape(words)}</text></g>')
    parts.append("</g>")
    return parts


def _defs() -> str:
    def arrow(name: str, colour: str, size: int = 9) -> str:
        return (
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{size}" markerHeight="{size}" '
            f'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )

    return f"<defs>{arrow('arrow', INK)}{arrow('arrow-soft', MUTED)}{arrow('entry', ENTRY_STROKE, 12)}</defs>"


def render_svg(nodes: Iterable[Node], edges: Iterable[Edge], *, title: str, description: str = "") -> str:
    """The graph as a standalone SVG document, laid out in layers, with a legend."""
    listed = list(nodes)
    placed = layout(listed, edges)
    width, height = round(placed.width), round(placed.height)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="graph-title graph-desc" '
        f"font-family={quoteattr(FONT_FAMILY)}>",
        f'<title id="graph-title">{escape(title)}</title>',
        f'<desc id="graph-desc">{escape(description or title)}</desc>',
        _defs(),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        *_legend(),
    ]
    if not listed:
        parts.append(
            f'<text x="{MARGIN}" y="{MARGIN + LEGEND_HEIGHT + 20}" font-size="{FONT_SIZE}" fill="{MUTED}">'
            "Nothing to draw: no service or resource matches.</text>"
        )
    parts.append('<g class="edges">')
    parts.extend(_route(route) for route in placed.routes)
    parts.append("</g>")
    parts.append('<g class="nodes">')
    for node in sorted(listed, key=lambda node: node.key):
        x, y = placed.positions[node.key]
        parts.extend(_box(node, x, y))
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"


def around(start: Iterable[str], edges: Iterable[Edge], *, hops: int) -> set[str]:
    """The keys within `hops` steps of `start` following edges forwards, and within `hops` following them
    backwards: what the start needs (and what that needs), and what needs it (and what needs that)."""
    forwards: dict[str, list[str]] = {}
    backwards: dict[str, list[str]] = {}
    for edge in edges:
        forwards.setdefault(edge.source, []).append(edge.target)
        backwards.setdefault(edge.target, []).append(edge.source)
    found = set(start)
    for links in (forwards, backwards):
        frontier = set(start)
        seen = set(start)
        for _ in range(hops):
            frontier = {other for key in frontier for other in links.get(key, ())} - seen
            seen |= frontier
        found |= seen
    return found


def subgraph(nodes: Iterable[Node], edges: Iterable[Edge], keys: set[str]) -> tuple[list[Node], list[Edge]]:
    """The nodes whose keys are given, and the edges between two of them."""
    return (
        [node for node in nodes if node.key in keys],
        [edge for edge in edges if edge.source in keys and edge.target in keys],
    )
