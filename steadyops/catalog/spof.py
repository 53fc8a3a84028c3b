"""Single points of failure in the dependency graph, and what breaks when one component fails.

This module knows nothing of the database: the catalog's service turns its rows into `Component` and
`Dependency` values and calls `find_spofs` or `what_if`.

How a failure travels
---------------------
A `Dependency(source, target, ...)` means *source depends on target*. When the target fails, the source
fails with it if the dependency is *effectively hard*: marked hard, and not marked as degrading gracefully
(`degrades != "yes"`). A hard dependency that degrades gracefully behaves like a soft one: the source keeps
working in a reduced way. Failures travel along effectively hard dependencies from a target to its
dependents, and on to their dependents, and so on. Dependencies may form cycles: when they do, a failure
anywhere in a cycle of effectively hard dependencies takes the whole cycle down. A component that depends
on itself is ignored.

Entry points are the components users reach directly (a shop front, a public API); each one stands for a
user journey. A component X *cuts off* an entry point when the failure of X travels to it. Since every hard
dependency is needed (no dependency here can be satisfied by an alternative), X cuts off every entry point
from which X can be reached over effectively hard dependencies. The *blast radius* of X is the set of entry
points X cuts off, X itself included when X is an entry point.

What counts as a finding
------------------------
A component that cuts off at least one entry point other than itself is a finding unless its redundancy is
on record (two instances or more, in two zones or more):

- `single_instance`: it runs as one instance (zero or one);
- `single_zone`: it runs several instances, all in one zone;
- `cuts_off`: nothing recorded shows it is redundant (instances unknown, or zones unknown).

Separately, every effectively hard dependency whose graceful degradation is `"unknown"`, and whose source is
reached from an entry point, is a `no_fallback` finding: nobody described what the source does when the
target fails. Such a finding is about the target component; its blast radius is the blast radius of the
source. Several dependencies listed for the same pair of components count as one, hard if any of them is.

Findings are ordered by the size of their blast radius (largest first), then component key, then kind.

`what_if(failed=X)` lists the components X's failure *breaks* (those that reach X over effectively hard
dependencies) and those it *degrades* (those that reach X over any dependencies, soft ones included, and are
not broken).

A dependency naming a component that does not exist is an error (`ValueError` naming the keys), as are two
components with the same key.

How it is computed
------------------
The effectively hard graph is condensed into its strongly connected components (rustworkx, in Rust), which
form a DAG. Each entry point gets one bit; the set of entry points reaching each strongly connected component
is a Python integer used as a bit set, pushed along the DAG's edges in topological order. That is one pass
over the graph, whatever the number of entry points.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Literal

import numpy as np
import rustworkx as rx

Degrades = Literal["yes", "no", "unknown"]
FindingKind = Literal["cuts_off", "single_instance", "single_zone", "no_fallback"]

KIND_ORDER: dict[str, int] = {"cuts_off": 0, "single_instance": 1, "single_zone": 2, "no_fallback": 3}
NAMED_JOURNEYS = 3  # beyond this many, an explanation counts the rest instead of naming them
DECODE_CHUNK = 1 << 24  # bits unpacked at once while reading blast radii, to bound the memory it takes


@dataclass(frozen=True, slots=True)
class Component:
    """Anything that can fail: a service, a database, a queue, an outside vendor."""

    key: str
    name: str
    entry_point: bool
    instances: int | None
    zones: int | None


@dataclass(frozen=True, slots=True)
class Dependency:
    """`source` needs `target`; `degrades` says whether `source` carries on, reduced, when `target` fails."""

    source: str
    target: str
    hard: bool
    degrades: Degrades


@dataclass(frozen=True, slots=True)
class Finding:
    """One single point of failure, why it is one, which entry points it cuts off, and what to do about it."""

    component: str
    kind: FindingKind
    explanation: str
    blast_radius: tuple[str, ...]
    mitigation: str
    # For no_fallback: the component whose dependency on `component` has no described fallback.
    dependent: str = ""


@dataclass(frozen=True, slots=True)
class Impact:
    """What stops working (`broken`) and what works less well (`degraded`) when `failed` fails."""

    failed: str
    broken: tuple[str, ...]
    degraded: tuple[str, ...]


@dataclass(slots=True)
class _Graph:
    components: list[Component]
    index: dict[str, int]
    hard: list[tuple[int, int]]
    soft: list[tuple[int, int]]
    unknown_fallback: list[tuple[int, int]]


_DEGRADES_CODE = {"yes": 0, "no": 1, "unknown": 2}


def _read(components: Iterable[Component], dependencies: Iterable[Dependency], *, with_soft: bool = False) -> _Graph:
    listed = list(components)
    index = {component.key: position for position, component in enumerate(listed)}
    if len(index) != len(listed):
        twice = sorted(key for key, count in Counter(c.key for c in listed).items() if count > 1)
        raise ValueError(f"components listed more than once: {', '.join(twice)}")
    rows = dependencies if isinstance(dependencies, list | tuple) else list(dependencies)
    # Reading the attributes with map() keeps the per-dependency work in C; the graph work is in numpy.
    # Two passes (gather the keys, then look them up) measured faster here than one interleaved pass.
    sources = list(map(index.get, list(map(attrgetter("source"), rows))))
    targets = list(map(index.get, list(map(attrgetter("target"), rows))))
    if None in sources or None in targets:
        missing = {key for row in rows for key in (row.source, row.target) if key not in index}
        raise ValueError(f"dependencies name components that do not exist: {', '.join(sorted(missing))}")
    codes = list(map(_DEGRADES_CODE.get, map(attrgetter("degrades"), rows)))
    if None in codes:
        wrong = sorted({repr(row.degrades) for row in rows if row.degrades not in _DEGRADES_CODE})
        raise ValueError(f"degrades must be yes, no or unknown, not {', '.join(wrong)}")
    source = np.array(sources, dtype=np.int64)
    target = np.array(targets, dtype=np.int64)
    code = np.array(codes, dtype=np.int8)
    hard = np.fromiter(map(bool, map(attrgetter("hard"), rows)), dtype=bool, count=len(rows))
    between_two = source != target
    effective = hard & (code != _DEGRADES_CODE["yes"]) & between_two
    # One no_fallback finding per pair of components, however many times the pair is listed.
    width = max(len(listed), 1)
    without_fallback = effective & (code == _DEGRADES_CODE["unknown"])
    pairs = np.unique(source[without_fallback] * width + target[without_fallback])
    return _Graph(
        listed,
        index,
        _pairs(source, target, effective),
        _pairs(source, target, ~effective & between_two) if with_soft else [],
        list(zip((pairs // width).tolist(), (pairs % width).tolist(), strict=True)),
    )


def _pairs(source: np.ndarray, target: np.ndarray, chosen: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(source[chosen].tolist(), target[chosen].tolist(), strict=True))


def journeys(names: Sequence[str], total: int) -> str:
    """The first entry points' names in plain English, counting the rest: "A, B, C and 4 more"."""
    if total > len(names):
        return f"{', '.join(names)} and {total - len(names)} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def describe(
    kind: FindingKind, component: Component, cut_off: str, dependent: Component | None = None
) -> tuple[str, str]:
    """The explanation and the mitigation of a finding, naming the components; `cut_off` names the journeys."""
    name = component.name
    if kind == "no_fallback":
        assert dependent is not None
        return (
            f"{dependent.name} needs {name}, and nobody has described what {dependent.name} does when {name} "
            f"fails, so a failure of {name} may cut off {cut_off}.",
            f"Describe how {dependent.name} carries on without {name} and mark the dependency as degrading "
            f"gracefully, or mark it as not degrading so that the risk is on record.",
        )
    fallback = f"or make {cut_off} degrade gracefully without it."
    if kind == "single_instance":
        return (
            f"{cut_off} cannot work when {name} fails: it runs as one instance.",
            f"Run a second instance in another zone, {fallback}",
        )
    if kind == "single_zone":
        return (
            f"{cut_off} cannot work when {name} fails: its {component.instances} instances all run in one zone.",
            f"Spread {name} over at least two zones, {fallback}",
        )
    if component.instances is None:
        return (
            f"{cut_off} cannot work when {name} fails, and nothing on record shows that it runs more than one "
            f"instance.",
            f"Record how many instances of {name} run and in how many zones; if one instance, add a second in "
            f"another zone, {fallback}",
        )
    return (
        f"{cut_off} cannot work when {name} fails: it runs {component.instances} instances, and nothing on "
        f"record shows that they are in more than one zone.",
        f"Record the zones {name} runs in; if they are all in one, spread them over at least two, {fallback}",
    )


def redundancy_gap(component: Component) -> FindingKind | None:
    """Which finding a component that cuts off an entry point makes, or None when it is redundant."""
    if component.instances is None:
        return "cuts_off"
    if component.instances <= 1:
        return "single_instance"
    if component.zones is None:
        return "cuts_off"
    if component.zones <= 1:
        return "single_zone"
    return None


def _entry_reach(graph: _Graph) -> tuple[list[int], list[int], list[int]]:
    """Per component, the strongly connected component it belongs to; per such component, the bit set of
    the entry points reaching it; and each entry point's component index, in bit order (sorted by key)."""
    components = graph.components
    dag = rx.PyDiGraph()
    dag.add_nodes_from(range(len(components)))
    dag.add_edges_from_no_data(graph.hard)
    condensed = rx.condensation(dag)
    assert isinstance(condensed, rx.PyDiGraph)  # the condensation of a directed graph is directed
    group_of = [0] * len(components)
    for group, members in enumerate(condensed.nodes()):
        for member in members:
            group_of[member] = group
    entries = sorted((c.key, position) for position, c in enumerate(components) if c.entry_point)
    entry_positions = [position for _, position in entries]
    reach = [0] * len(condensed)
    for bit, position in enumerate(entry_positions):
        reach[group_of[position]] |= 1 << bit
    successors = condensed.successor_indices
    for group in rx.topological_sort(condensed):
        bits = reach[group]
        if bits:
            for follower in successors(group):
                reach[follower] |= bits
    return group_of, reach, entry_positions


def _read_bit_sets(bit_sets: Iterable[int], labels: list[str]) -> dict[int, tuple[str, ...]]:
    """The labels of the bits of each bit set, in bit order, unpacked by numpy many sets at a time."""
    width = (len(labels) + 7) // 8
    table = np.array([*labels, *[""] * (8 * width - len(labels))], dtype=object)
    ordered = list(bit_sets)
    read: dict[int, tuple[str, ...]] = {}
    per_chunk = max(1, DECODE_CHUNK // max(8 * width, 1))
    for start in range(0, len(ordered), per_chunk):
        chunk = ordered[start : start + per_chunk]
        packed = np.frombuffer(b"".join(bits.to_bytes(width, "little") for bits in chunk), dtype=np.uint8)
        flags = np.unpackbits(packed.reshape(len(chunk), width), axis=1, bitorder="little").view(bool)
        # Row after row, the labels of the set bits: each set's labels follow the previous set's.
        labelled = iter(np.broadcast_to(table, flags.shape)[flags].tolist())
        for bits in chunk:
            read[bits] = tuple(islice(labelled, bits.bit_count()))
    return read


def find_spofs(components: Iterable[Component], dependencies: Iterable[Dependency]) -> list[Finding]:
    """Every single point of failure that cuts off an entry point, and every hard dependency on a route from
    an entry point whose fallback was never described (see the module's documentation for the rules)."""
    with _collector_paused():
        return _find_spofs(components, dependencies)


@contextmanager
def _collector_paused() -> Iterator[None]:
    # The analysis allocates a few objects per component and creates no reference cycles; without the
    # pause, the cyclic collector walks the caller's whole catalog again and again while it runs.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _find_spofs(components: Iterable[Component], dependencies: Iterable[Dependency]) -> list[Finding]:
    graph = _read(components, dependencies)
    listed = graph.components
    group_of, reach, entry_positions = _entry_reach(graph)

    at_risk: list[tuple[Component, FindingKind, int]] = []
    for position, kind in enumerate(map(redundancy_gap, listed)):
        if kind is None:
            continue
        bits = reach[group_of[position]]
        component = listed[position]
        # An entry point's own bit is always set; a single bit means it cuts off only itself.
        if bits and (bits & (bits - 1) or not component.entry_point):
            at_risk.append((component, kind, bits))
    unguarded = [
        (listed[source], listed[target], reach[group_of[source]])
        for source, target in graph.unknown_fallback
        if reach[group_of[source]]
    ]
    radii = _read_bit_sets(
        {bits for *_, bits in at_risk} | {bits for *_, bits in unguarded},
        [listed[position].key for position in entry_positions],
    )
    name_of = {listed[position].key: listed[position].name for position in entry_positions}
    told = {
        bits: (radius, journeys([name_of[key] for key in radius[:NAMED_JOURNEYS]], len(radius)))
        for bits, radius in radii.items()
    }

    ranked: list[tuple[int, str, int, str, Finding]] = []
    for component, kind, bits in at_risk:
        radius, journeys_cut_off = told[bits]
        if component.entry_point:
            others = [name_of[key] for key in radius[: NAMED_JOURNEYS + 1] if key != component.key]
            journeys_cut_off = journeys(others[:NAMED_JOURNEYS], len(radius) - 1)
        explanation, mitigation = describe(kind, component, journeys_cut_off)
        finding = Finding(component.key, kind, explanation, radius, mitigation)
        ranked.append((-len(radius), component.key, KIND_ORDER[kind], "", finding))
    for dependent, component, bits in unguarded:
        radius, journeys_cut_off = told[bits]
        explanation, mitigation = describe("no_fallback", component, journeys_cut_off, dependent)
        finding = Finding(component.key, "no_fallback", explanation, radius, mitigation, dependent.key)
        ranked.append((-len(radius), component.key, KIND_ORDER["no_fallback"], dependent.key, finding))
    # The first four fields never tie: one finding per component and kind, one no_fallback per dependency.
    ranked.sort()
    return [row[4] for row in ranked]


def what_if(components: Iterable[Component], dependencies: Iterable[Dependency], failed: str) -> Impact:
    """What breaks and what degrades when the component `failed` fails, as sorted component keys."""
    graph = _read(components, dependencies, with_soft=True)
    if failed not in graph.index:
        raise ValueError(f"no component has the key {failed!r}")
    target = graph.index[failed]
    everything = rx.PyDiGraph()
    everything.add_nodes_from(range(len(graph.components)))
    everything.add_edges_from_no_data(graph.hard)
    broken = rx.ancestors(everything, target)
    everything.add_edges_from_no_data(graph.soft)
    degraded = rx.ancestors(everything, target) - broken
    keys = [component.key for component in graph.components]
    return Impact(failed, tuple(sorted(keys[i] for i in broken)), tuple(sorted(keys[i] for i in degraded)))


def dependency_cycles(components: Iterable[Component], dependencies: Iterable[Dependency]) -> list[tuple[str, ...]]:
    """Groups of components that need one another in a circle, over any dependency, hard or soft.

    Cycles are allowed; they are flagged because a circle of hard dependencies fails as a whole and cannot be started
    one piece at a time. Each group is sorted by key; the largest groups come first.
    """
    keys = sorted({component.key for component in components})
    index = {key: position for position, key in enumerate(keys)}
    edges = [(dependency.source, dependency.target) for dependency in dependencies]
    unknown = sorted({key for edge in edges for key in edge if key not in index})
    if unknown:
        raise ValueError(f"Dependencies name unknown components: {', '.join(unknown)}")
    graph = rx.PyDiGraph()
    graph.add_nodes_from(keys)
    graph.add_edges_from_no_data([(index[source], index[target]) for source, target in edges if source != target])
    groups = [
        tuple(sorted(keys[node] for node in group))
        for group in rx.strongly_connected_components(graph)
        if len(group) > 1
    ]
    return sorted(groups, key=lambda group: (-len(group), group))
