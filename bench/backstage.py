"""Reading a Backstage catalog of 10,000 entities, against plain PyYAML reading the same files.

Generates a shop-like catalog in a throwaway folder: a root `catalog-info.yaml` whose Location names one
file for the teams and one index file per system, each index naming its components and resources through a
nested Location. Then times, best of three:
  - `read_catalog` (parsing with the strict loader, validation, reference checks, Location following),
  - `dangling_references` over the result,
  - the floor: `yaml.safe_load_all` over the same files, as the simplest reader would do it,
  - for context, `safe_load_all` with libyaml's `CSafeLoader`.
The issue's target is 30 s for the whole import including the database; the parse should take a few seconds
of that. Figures go to BENCHMARKS.md between this benchmark's markers. Run with `make bench`.
"""

from __future__ import annotations

import datetime
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from report import machine, replace_section

from steadyops.catalog.backstage import dangling_references, read_catalog

ROOT = Path(__file__).resolve().parent.parent

SYSTEMS = 20
COMPONENTS, RESOURCES, APIS = 400, 60, 38  # per system; with the system and one team each: 10,000 in all
RUNS = 3
PARSE_TARGET_SECONDS = 5.0
HEADING = "Backstage import: reading catalog files (`bench/backstage.py`)"


def document(kind: str, name: str, spec: str, extra: str = "") -> str:
    return (
        f"---\napiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        f"  description: The {name} {kind.lower()}, generated for the benchmark.\n{extra}spec:\n{spec}"
    )


def generate(folder: Path) -> int:
    """Write the catalog; returns the number of entities (Locations excluded)."""
    count = 0
    targets = ["./org.yaml"] + [f"./systems/s{s:02}/index.yaml" for s in range(SYSTEMS)]
    root = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: shop\nspec:\n  targets:\n"
    (folder / "catalog-info.yaml").write_text(root + "".join(f"    - {t}\n" for t in targets))
    teams = [document("Group", f"team-{s:02}", "  type: team\n  children: []\n") for s in range(SYSTEMS)]
    (folder / "org.yaml").write_text("".join(teams))
    count += len(teams)
    for s in range(SYSTEMS):
        system, team = f"s{s:02}", f"team-{s:02}"
        path = folder / "systems" / system
        path.mkdir(parents=True)
        location = "  targets: [./components.yaml, ./resources.yaml]\n"
        index = document("System", system, f"  owner: {team}\n") + document("Location", f"{system}-files", location)
        (path / "index.yaml").write_text(index)
        count += 1
        owned = f"  owner: {team}\n  system: {system}\n"
        docs = []
        for c in range(COMPONENTS):
            depends = f"    - resource:{system}-db-{c % RESOURCES}\n"
            if c:
                depends += f"    - component:{system}-svc-{c - 1}\n"
            annotations = (
                "  annotations:\n    backstage.io/techdocs-ref: dir:.\n"
                f"    pagerduty.com/service-id: P{s:02}{c:04}\n  tags: [python, web]\n"
            )
            spec = (
                f"  type: service\n  lifecycle: production\n{owned}"
                f"  providesApis: [{system}-api-{c % APIS}]\n  dependsOn:\n{depends}"
            )
            docs.append(document("Component", f"{system}-svc-{c}", spec, annotations))
        for a in range(APIS):
            spec = f"  type: openapi\n  lifecycle: production\n{owned}  definition: |\n    openapi: 3.0.0\n"
            docs.append(document("API", f"{system}-api-{a}", spec))
        (path / "components.yaml").write_text("".join(docs))
        resources = [document("Resource", f"{system}-db-{r}", f"  type: database\n{owned}") for r in range(RESOURCES)]
        (path / "resources.yaml").write_text("".join(resources))
        count += COMPONENTS + APIS + RESOURCES
    return count


def best_of(action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return min(times), result


def floor(files: list[Path], loader: type) -> int:
    return sum(1 for path in files for _ in yaml.load_all(path.read_text(), Loader=loader))


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="steadyops-bench-backstage-") as temporary:
        folder = Path(temporary)
        entities = generate(folder)
        files = sorted(folder.rglob("*.yaml"))
        size = sum(path.stat().st_size for path in files)
        read_seconds, catalog = best_of(lambda: read_catalog(folder))
        assert catalog is not None
        read = catalog.entities  # type: ignore[attr-defined]
        assert len([e for e in read if e.kind != "Location"]) == entities, "the generated catalog was not read whole"
        dangling_seconds, dangling = best_of(lambda: dangling_references(catalog, set()))  # type: ignore[arg-type]
        assert dangling == [], dangling
        floor_seconds, _ = best_of(lambda: floor(files, yaml.SafeLoader))
        c_floor_seconds = best_of(lambda: floor(files, yaml.CSafeLoader))[0] if yaml.__with_libyaml__ else None

    ratio = read_seconds / floor_seconds
    libyaml = "with libyaml" if yaml.__with_libyaml__ else "without libyaml"
    per_entity_us = read_seconds / entities * 1e6
    rows = [
        ("floor: `yaml.safe_load_all` (pure-Python SafeLoader)", floor_seconds),
        ("`read_catalog` (strict loader on libyaml events, validation, Locations)", read_seconds),
        ("`dangling_references` over the result", dangling_seconds),
    ]
    if c_floor_seconds is not None:
        rows.append(("for context: `safe_load_all` with libyaml's `CSafeLoader`", c_floor_seconds))
    verdict = "met" if read_seconds <= PARSE_TARGET_SECONDS else "not met"
    section = "\n".join(
        [
            f"- Date: {datetime.date.today().isoformat()}",
            f"- Machine: {machine()}; PyYAML {yaml.__version__} {libyaml}",
            f"- Command: `make bench` (`python bench/backstage.py`); {entities:,} entities in {len(files)} files "
            f"({size / 1e6:.1f} MB) reached through nested Locations; best of {RUNS}; run took "
            f"{time.monotonic() - started:.0f} s",
            "- Floor: plain `yaml.safe_load_all` over the same files, with no checks at all.",
            "",
            "| step | seconds | ratio to floor |",
            "|---|---:|---:|",
            *(f"| {label} | {seconds:.2f} | {seconds / floor_seconds:.2f} |" for label, seconds in rows),
            "",
            f"`read_catalog`: {per_entity_us:.0f} µs per entity, {ratio:.2f} times the floor. Target: the parse within "
            f"{PARSE_TARGET_SECONDS:.0f} s of the 30 s allowed for the whole import: {verdict}.",
        ]
    )
    print(section)
    replace_section(ROOT / "BENCHMARKS.md", section, script="bench/backstage.py", heading=HEADING)


if __name__ == "__main__":
    main()
