"""The SPOF analysis written the straightforward way with networkx: the oracle the tests compare
steadyops.catalog.spof with, and the peer its benchmark measures against."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from steadyops.catalog.spof import Component, Dependency, Finding, Impact, describe, journeys


def networkx_find_spofs(components: Iterable[Component], dependencies: Iterable[Dependency]) -> list[Finding]:
    """The same analysis written the straightforward way: a networkx search from every entry point."""
    by_key: dict[str, Component] = {}
    for component in components:
        if component.key in by_key:
            raise ValueError(f"components listed more than once: {component.key}")
        by_key[component.key] = component
    graph = nx.DiGraph()
    graph.add_nodes_from(by_key)
    unknown_fallback: set[tuple[str, str]] = set()
    missing: set[str] = set()
    for dependency in dependencies:
        missing.update(key for key in (dependency.source, dependency.target) if key not in by_key)
        if dependency.source == dependency.target or not dependency.hard or dependency.degrades == "yes":
            continue
        graph.add_edge(dependency.source, dependency.target)
        if dependency.degrades == "unknown":
            unknown_fallback.add((dependency.source, dependency.target))
    if missing:
        raise ValueError(f"dependencies name components that do not exist: {', '.join(sorted(missing))}")
    entries = sorted(key for key, component in by_key.items() if component.entry_point)
    cut_off_by: dict[str, list[str]] = {key: [] for key in by_key}
    for entry in entries:
        for reached in nx.descendants(graph, entry) | {entry}:
            cut_off_by[reached].append(entry)

    def named(keys: list[str]) -> str:
        return journeys([by_key[key].name for key in keys[:3]], len(keys))

    ranked: list[tuple[int, str, int, str, Finding]] = []
    for key, component in by_key.items():
        others = [entry for entry in cut_off_by[key] if entry != key]
        if not others:
            continue
        instances, zones = component.instances, component.zones
        if instances is None or (instances > 1 and zones is None):
            kind, rank = "cuts_off", 0
        elif instances <= 1:
            kind, rank = "single_instance", 1
        elif zones is not None and zones <= 1:
            kind, rank = "single_zone", 2
        else:
            continue
        explanation, mitigation = describe(kind, component, named(others))  # type: ignore[arg-type]
        radius = tuple(cut_off_by[key])
        ranked.append((-len(radius), key, rank, "", Finding(key, kind, explanation, radius, mitigation)))  # type: ignore[arg-type]
    for source, target in unknown_fallback:
        radius = tuple(cut_off_by[source])
        if not radius:
            continue
        explanation, mitigation = describe("no_fallback", by_key[target], named(list(radius)), by_key[source])
        finding = Finding(target, "no_fallback", explanation, radius, mitigation, source)
        ranked.append((-len(radius), target, 3, source, finding))
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked]


def networkx_what_if(components: Iterable[Component], dependencies: Iterable[Dependency], failed: str) -> Impact:
    hard, everything = nx.DiGraph(), nx.DiGraph()
    keys = [component.key for component in components]
    hard.add_nodes_from(keys)
    everything.add_nodes_from(keys)
    for dependency in dependencies:
        if dependency.source == dependency.target:
            continue
        everything.add_edge(dependency.source, dependency.target)
        if dependency.hard and dependency.degrades != "yes":
            hard.add_edge(dependency.source, dependency.target)
    broken = nx.ancestors(hard, failed)
    return Impact(failed, tuple(sorted(broken)), tuple(sorted(nx.ancestors(everything, failed) - broken)))
