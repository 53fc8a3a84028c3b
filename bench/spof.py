"""SPOF analysis of a generated catalog: steadyops's finder against the straightforward networkx version.

The catalog is a seeded random layered graph: 100,000 components, 1 % of them entry points in the first
layer, the rest spread evenly over the layers below; 400,000 dependencies, each from a random component to a
random one of the next layer or further down, a few back up a layer (so that cycles exist); instance and
zone counts mixed, some unknown. It is generated at three depths (6, 12 and 20 layers): the deeper the graph,
the more components each entry point reaches.

Ours (`steadyops.catalog.spof.find_spofs`) is timed best of three; the networkx version (a reachability search
per entry point, then the set of entry points reaching each component) once, in a child process stopped after
120 s, in which case its ratio is a lower bound. Both must give the same findings. The table goes to
BENCHMARKS.md. Run with `make bench` or `python bench/spof.py`."""

from __future__ import annotations

import datetime
import gc
import hashlib
import multiprocessing
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import rustworkx as rx
from report import machine, replace_section

from steadyops.catalog.spof import Component, Dependency, Finding, FindingKind, what_if
from steadyops.catalog.spof import find_spofs as steadyops_find_spofs
from steadyops.testing.spof_oracle import networkx_find_spofs

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261129
COMPONENTS = 100_000
DEPENDENCIES = 400_000
# The same generator at three depths: how many components an entry point reaches grows with the depth, and
# networkx's cost grows with entry points times their reach, while ours stays one pass over the graph.
GRAPHS = {"shallow": 6, "medium": 12, "deep": 20}  # layers
UPWARD = 0.002  # share of dependencies going back up a layer, so that there are cycles
PEER_LIMIT = 120.0
TARGET_SECONDS, TARGET_RATIO = 2.0, 10.0
REPEATS = 3
KINDS: tuple[FindingKind, ...] = ("cuts_off", "single_instance", "single_zone", "no_fallback")


@dataclass
class Catalog:
    layers: int
    components: list[Component]
    dependencies: list[Dependency]


def generate(layers: int, seed: int = SEED) -> Catalog:
    """Entry points in the first layer, the other components spread evenly over the layers below; each
    dependency goes from a random component to a random one in the next layer (80 %) or further down, and a
    few go back up a layer."""
    rng = random.Random(seed)
    entry_points = COMPONENTS // 100
    sizes = [entry_points] + [(COMPONENTS - entry_points) // (layers - 1)] * (layers - 1)
    sizes[-1] += COMPONENTS - sum(sizes)
    keys: list[list[str]] = []
    components: list[Component] = []
    for depth, size in enumerate(sizes):
        keys.append([f"c{depth:02d}-{i:05d}" for i in range(size)])
        for key in keys[-1]:
            instances = rng.choices([None, 1, 2, 3, 4, 6], weights=[15, 20, 25, 20, 12, 8])[0]
            zones = rng.choices([None, 1, 2, 3], weights=[10, 30, 45, 15])[0]
            zones = None if instances is None or zones is None else min(zones, instances)
            components.append(Component(key, f"Component {key}", depth == 0, instances, zones))
    sources = [(depth, i) for depth in range(layers - 1) for i in range(sizes[depth])]
    dependencies: list[Dependency] = []
    for _ in range(DEPENDENCIES):
        depth, i = rng.choice(sources)
        if depth > 0 and rng.random() < UPWARD:
            to = depth - 1
        elif rng.random() < 0.8:
            to = depth + 1
        else:
            to = rng.randrange(depth + 1, layers)
        target = keys[to][rng.randrange(sizes[to])]
        degrades = rng.choices(["yes", "no", "unknown"], weights=[25, 45, 30])[0]
        dependencies.append(Dependency(keys[depth][i], target, rng.random() < 0.7, degrades))  # type: ignore[arg-type]
    return Catalog(layers, components, dependencies)


def digest(findings: list[Finding]) -> str:
    return hashlib.sha256(repr(findings).encode()).hexdigest()


def _peer(catalog: Catalog, answer: multiprocessing.connection.Connection) -> None:
    started = time.perf_counter()
    findings = networkx_find_spofs(catalog.components, catalog.dependencies)
    answer.send((time.perf_counter() - started, digest(findings)))


def time_peer(catalog: Catalog) -> tuple[float, str | None]:
    """Seconds the networkx version took and its findings' digest; (the limit, None) when stopped."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_peer, args=(catalog, sending))
    child.start()
    try:
        if receiving.poll(PEER_LIMIT):
            seconds, peer_digest = receiving.recv()
            return seconds, peer_digest
        return PEER_LIMIT, None
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


@dataclass
class Run:
    catalog: Catalog
    findings: list[Finding]
    timings: list[float]
    peer: float
    stopped: bool
    reach: float

    @property
    def ours(self) -> float:
        return min(self.timings)

    @property
    def ratio(self) -> float:
        return self.peer / self.ours


def mean_reach(catalog: Catalog) -> float:
    """How many components an entry point reaches over effectively hard dependencies, on average over
    every tenth entry point."""
    graph = rx.PyDiGraph()
    index = {component.key: graph.add_node(None) for component in catalog.components}
    graph.add_edges_from_no_data(
        [
            (index[d.source], index[d.target])
            for d in catalog.dependencies
            if d.hard and d.degrades != "yes" and d.source != d.target
        ]
    )
    entries = [index[c.key] for c in catalog.components if c.entry_point][::10]
    return sum(len(rx.descendants(graph, entry)) for entry in entries) / max(len(entries), 1)


def bench(name: str, layers: int) -> Run:
    catalog = generate(layers)
    timings = []
    findings: list[Finding] = []
    for _ in range(REPEATS):
        # The previous run's findings are freed and collected outside the timed call.
        findings = []
        gc.collect()
        began = time.perf_counter()
        findings = steadyops_find_spofs(catalog.components, catalog.dependencies)
        timings.append(time.perf_counter() - began)
    print(f"{name}: steadyops {min(timings):.2f} s (best of {', '.join(f'{t:.2f}' for t in timings)})", flush=True)
    peer, peer_digest = time_peer(catalog)
    stopped = peer_digest is None
    if not stopped and peer_digest != digest(findings):
        raise SystemExit(f"{name}: networkx found different findings; the benchmark would compare unlike things")
    print(f"{name}: networkx {'stopped after ' if stopped else ''}{peer:.1f} s", flush=True)
    return Run(catalog, findings, timings, peer, stopped, mean_reach(catalog))


def table(runs: dict[str, Run]) -> list[str]:
    lines = [
        "| graph | layers | reach per entry point | findings | mean blast radius | steadyops s | networkx s | "
        "networkx / steadyops |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, run in runs.items():
        bound = "≥ " if run.stopped else ""
        radii = [len(finding.blast_radius) for finding in run.findings]
        lines.append(
            f"| {name} | {run.catalog.layers} | {run.reach:,.0f} | {len(run.findings):,} | "
            f"{sum(radii) / max(len(radii), 1):.0f} | {run.ours:.2f} | {bound}{run.peer:.1f} | "
            f"{bound}{run.ratio:.1f} |"
        )
    return lines


def verdict(run: Run) -> str:
    fast = "met" if run.ours <= TARGET_SECONDS else "not met"
    ahead = "met" if run.ratio >= TARGET_RATIO else "not met"
    return f"{fast} ({run.ours:.2f} s), {ahead} ({'≥ ' if run.stopped else ''}{run.ratio:.1f} times)"


def main() -> None:
    started = time.monotonic()
    runs = {name: bench(name, layers) for name, layers in GRAPHS.items()}
    medium = runs["medium"]
    kinds = Counter(finding.kind for finding in medium.findings)
    began = time.perf_counter()
    impact = what_if(medium.catalog.components, medium.catalog.dependencies, medium.findings[0].component)
    what_if_seconds = time.perf_counter() - began
    rows = table(runs)
    print("\n".join(rows))
    lines = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Command: `make bench` (`python bench/spof.py`), seed {SEED}, run took {time.monotonic() - started:.0f} s",
        f"- Graphs: {COMPONENTS:,} components ({COMPONENTS // 100:,} entry points, in the first layer) and "
        f"{DEPENDENCIES:,} dependencies (70 % hard; degrading gracefully 25 % yes, 45 % no, 30 % unknown), "
        "each from a random component to a random one of the next layer (80 %) or further down, 0.2 % back up a "
        "layer; instances and zones mixed, some unknown",
        f"- steadyops: best of {REPEATS}; networkx (a search per entry point, then the entry points reaching each "
        f"component): once, stopped after {PEER_LIMIT:.0f} s; where it finished, both gave the same findings",
        f"- Medium graph's findings: {', '.join(f'{kinds[kind]:,} {kind}' for kind in KINDS)}; "
        f"`what_if` for `{impact.failed}`: {len(impact.broken):,} broken, {len(impact.degraded):,} degraded, "
        f"{what_if_seconds:.2f} s",
        "",
        *rows,
        "",
        f"Targets, at most {TARGET_SECONDS:.0f} s and at least {TARGET_RATIO:.0f} times as fast as networkx: "
        + "; ".join(f"{name}: {verdict(run)}" for name, run in runs.items())
        + ".",
    ]
    replace_section(
        ROOT / "BENCHMARKS.md", "\n".join(lines), script="bench/spof.py", heading="SPOF finder (`bench/spof.py`)"
    )
    print("Written to BENCHMARKS.md")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    main()
