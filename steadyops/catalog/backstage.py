"""Backstage catalog files (`catalog-info.yaml`): read them into entities, and write entities back.

A pure module: no Django, no database. The catalog's services turn a `Catalog` into rows, and rows into
`Entity` objects for `write_catalog`.

Reading is strict, because an import with any error must import nothing: every problem of every file is
collected and raised together as one `CatalogError` listing (file, line, message). YAML is read with the loader
of `safe_yaml.py`, which refuses anchors and aliases (a few hundred bytes of aliases can expand to gigabytes),
explicit tags, deep nesting and duplicate keys, and follows YAML 1.2 as Backstage does (`yes` and `2024-01-01`
stay strings).
Location entities are followed to files inside the catalog's folder only; URLs are never fetched.
"""

from __future__ import annotations

import glob
import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from steadyops.catalog import safe_yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
API_VERSION = "backstage.io/v1alpha1"
ACCEPTED_API_VERSIONS = frozenset({"backstage.io/v1alpha1", "backstage.io/v1beta1"})
DEFAULT_NAMESPACE = "default"
TECHDOCS_REF = "backstage.io/techdocs-ref"
CATALOG_FILE_NAMES = ("catalog-info.yaml", "catalog-info.yml")

KINDS = ("Domain", "System", "Group", "User", "API", "Component", "Resource", "Location")
_CANONICAL_KIND = {kind.lower(): kind for kind in KINDS}

# Per kind: spec fields holding entity references, with the kind a bare name means (None: the kind must be
# written, as for dependsOn, which may name a Component or a Resource) and whether the field is a list.
REFERENCE_FIELDS: dict[str, dict[str, tuple[str | None, bool]]] = {
    "Component": {
        "owner": ("Group", False),
        "system": ("System", False),
        "subcomponentOf": ("Component", False),
        "providesApis": ("API", True),
        "consumesApis": ("API", True),
        "dependsOn": (None, True),
        "dependencyOf": (None, True),
    },
    "API": {"owner": ("Group", False), "system": ("System", False)},
    "Resource": {
        "owner": ("Group", False),
        "system": ("System", False),
        "dependsOn": (None, True),
        "dependencyOf": (None, True),
    },
    "System": {"owner": ("Group", False), "domain": ("Domain", False)},
    "Domain": {"owner": ("Group", False), "subdomainOf": ("Domain", False)},
    "Group": {"parent": ("Group", False), "children": ("Group", True), "members": ("User", True)},
    "User": {"memberOf": ("Group", True)},
    "Location": {},
}

# Spec fields Backstage's schema requires, per kind: text fields, then list fields (which may be empty).
REQUIRED_SPEC: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Component": (("type", "lifecycle", "owner"), ()),
    "API": (("type", "lifecycle", "owner"), ()),
    "Resource": (("type", "owner"), ()),
    "System": (("owner",), ()),
    "Domain": (("owner",), ()),
    "Group": (("type",), ("children",)),
    "User": ((), ("memberOf",)),
    "Location": ((), ()),
}

_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_NAMESPACE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_TAG = re.compile(r"[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*")
_KEY_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class SourcePos:
    """Where something was written: a path relative to the catalog's folder, and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog, precise enough for its author to fix it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class CatalogError(Exception):
    """A catalog that cannot be read or written as a whole; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class EntityRef:
    """Kind, namespace and name of an entity. Backstage compares references case-insensitively: use `key`."""

    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind.lower(), self.namespace.lower(), self.name.lower())

    def __str__(self) -> str:
        return f"{self.kind.lower()}:{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Reference:
    """A reference from an entity's spec field to another entity, as resolved with that field's defaults."""

    field: str
    target: EntityRef
    line: int


def parse_ref(text: object, *, default_kind: str | None, default_namespace: str = DEFAULT_NAMESPACE) -> EntityRef:
    """Resolve `[kind:][namespace/]name`; raises ValueError with a message meant for the catalog's author."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"an entity reference must be text like 'group:team-a', not {text!r}")
    kind: str | None = default_kind
    namespace, rest = default_namespace, text
    if ":" in rest:
        kind, rest = rest.split(":", 1)
        if not _KIND.fullmatch(kind):
            raise ValueError(f"{text!r} has an invalid kind {kind!r}")
    if "/" in rest:
        namespace, rest = rest.split("/", 1)
        if not valid_namespace(namespace):
            raise ValueError(f"{text!r} has an invalid namespace {namespace!r}")
    if not valid_name(rest):
        raise ValueError(f"{text!r} has an invalid name {rest!r}")
    if kind is None:
        raise ValueError(f"{text!r} needs a kind here, for example 'component:{rest}' or 'resource:{rest}'")
    return EntityRef(_CANONICAL_KIND.get(kind.lower(), kind), namespace.lower(), rest)


def valid_name(name: object) -> bool:
    """Backstage's default name rule: 1-63 of [A-Za-z0-9-_.], starting and ending with a letter or digit."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def valid_namespace(namespace: object) -> bool:
    return isinstance(namespace, str) and len(namespace) <= 63 and _NAMESPACE.fullmatch(namespace) is not None


@dataclass
class Entity:
    """One Backstage entity. `spec` is kept as written; `references` resolves its reference fields."""

    kind: str
    namespace: str = DEFAULT_NAMESPACE
    name: str = ""
    title: str | None = None
    description: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    source: SourcePos = field(default=SourcePos("<memory>", 0), compare=False)
    # Line of each spec field ("owner") and list item ("dependsOn[1]"), for problems found after reading.
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> EntityRef:
        return EntityRef(self.kind, self.namespace.lower(), self.name)

    @cached_property
    def references(self) -> list[Reference]:
        """The spec's references with each field's default kind and this entity's namespace."""
        found: list[Reference] = []
        for name, (default_kind, many) in REFERENCE_FIELDS.get(self.kind, {}).items():
            value = self.spec.get(name)
            if value is None:
                continue
            for index, text in enumerate(value if many else [value]):
                target = parse_ref(text, default_kind=default_kind, default_namespace=self.namespace.lower())
                line = self.field_lines.get(f"{name}[{index}]" if many else name, self.source.line)
                found.append(Reference(name, target, line))
        return found

    def targets(self, spec_field: str) -> list[EntityRef]:
        return [reference.target for reference in self.references if reference.field == spec_field]


@dataclass
class Catalog:
    """Everything read from one catalog folder."""

    root: Path
    entities: list[Entity]
    files: list[str]
    skipped: int = 0  # documents that are not Backstage entities of a kind steadyops reads
    skipped_kinds: dict[str, int] = field(default_factory=dict)

    def by_ref(self) -> dict[tuple[str, str, str], Entity]:
        return {entity.ref.key: entity for entity in self.entities}


def _decode(data: bytes, name: str) -> str | Problem:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(name, None, "the file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return Problem(name, line, "the file contains NUL bytes: it looks binary, not YAML")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(name, line, "the file is not valid UTF-8; save it as UTF-8")


def _yaml_problem(error: yaml.YAMLError, name: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(error, safe_yaml.Refused | ConstructorError):
        return Problem(name, line, str(error.problem))
    if isinstance(error, yaml.MarkedYAMLError):
        message = " ".join(part for part in (error.context, error.problem) if part)
    else:
        message = str(error)
    return Problem(name, line, f"invalid YAML: {message}")


def _child(node: Node | None, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node  # type: ignore[no-any-return]
    return None


def _line(node: Node | None, default: int) -> int:
    return node.start_mark.line + 1 if node is not None else default


def _field_lines(spec_node: Node | None) -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(spec_node, MappingNode):
        for key_node, value_node in spec_node.value:
            name = str(key_node.value)
            lines[name] = _line(value_node, 0)
            if isinstance(value_node, SequenceNode):
                for index, item in enumerate(value_node.value):
                    lines[f"{name}[{index}]"] = _line(item, 0)
    return lines


def _check_string_map(value: object, what: str, values_are_names: bool) -> list[str]:
    if not isinstance(value, dict):
        return [f"metadata.{what} must be a mapping of text to text"]
    errors = []
    for key, item in value.items():
        if not isinstance(key, str) or not _valid_key(key):
            errors.append(f"metadata.{what} has an invalid key {key!r}")
        elif not isinstance(item, str):
            errors.append(f"metadata.{what}.{key} must be text, not {item!r}")
        elif values_are_names and item and not valid_name(item):
            errors.append(f"metadata.{what}.{key} has an invalid value {item!r}")
    return errors


def _valid_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if "/" in prefix or (prefix and (len(prefix) > 253 or not _KEY_PREFIX.fullmatch(prefix))):
        return False
    return valid_name(name)


def _check_entity(document: dict[str, Any]) -> tuple[Entity | None, list[str], dict[str, str]]:
    """Validate one Backstage document; returns the entity (when valid), problems, and problem fields."""
    errors: list[str] = []
    kind = document["kind"]
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return None, ["metadata is required and must be a mapping"], {}
    name = metadata.get("name")
    if name is None:
        errors.append("metadata.name is required")
    elif not valid_name(name):
        errors.append(
            f"metadata.name {name!r} is invalid: use 1-63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    namespace = metadata.get("namespace", DEFAULT_NAMESPACE)
    if not valid_namespace(namespace):
        errors.append(f"metadata.namespace {namespace!r} is invalid: use letters and digits separated by '-'")
    for text_field in ("title", "description"):
        if metadata.get(text_field) is not None and not isinstance(metadata[text_field], str):
            errors.append(f"metadata.{text_field} must be text")
    annotations = metadata.get("annotations", {})
    labels = metadata.get("labels", {})
    errors += _check_string_map(annotations, "annotations", values_are_names=False)
    errors += _check_string_map(labels, "labels", values_are_names=True)
    tags = metadata.get("tags", [])
    if not isinstance(tags, list):
        errors.append("metadata.tags must be a list")
    else:
        errors += [
            f"metadata.tags has an invalid tag {tag!r}: use a-z, 0-9, ':', '+' or '#' separated by '-'"
            for tag in tags
            if not isinstance(tag, str) or len(tag) > 63 or not _TAG.fullmatch(tag)
        ]
    links = metadata.get("links", [])
    if not isinstance(links, list):
        errors.append("metadata.links must be a list")
    else:
        for index, link in enumerate(links):
            if not isinstance(link, dict) or not isinstance(link.get("url"), str) or not link["url"]:
                errors.append(f"metadata.links[{index}] needs a url")
            elif any(not isinstance(v, str) for v in link.values()):
                errors.append(f"metadata.links[{index}] may hold only text")
    spec = document.get("spec")
    ref_errors: dict[str, str] = {}
    if not isinstance(spec, dict):
        errors.append("spec is required and must be a mapping")
    else:
        texts, lists = REQUIRED_SPEC[kind]
        for required in texts:
            if not isinstance(spec.get(required), str) or not spec[required]:
                errors.append(f"spec.{required} is required for a {kind}")
        for required in lists:
            if not isinstance(spec.get(required), list):
                errors.append(f"spec.{required} is required for a {kind} (a list, which may be empty)")
        for ref_field, (default_kind, many) in REFERENCE_FIELDS[kind].items():
            value = spec.get(ref_field)
            if value is None or (ref_field in texts and (not isinstance(value, str) or not value)):
                continue
            if ref_field in lists and not isinstance(value, list):
                continue
            if many and not isinstance(value, list):
                ref_errors[ref_field] = f"spec.{ref_field} must be a list of entity references"
                continue
            for index, text in enumerate(value if many else [value]):
                try:
                    parse_ref(text, default_kind=default_kind, default_namespace=str(namespace).lower())
                except ValueError as error:
                    ref_errors[f"{ref_field}[{index}]" if many else ref_field] = f"spec.{ref_field}: {error}"
    if errors or ref_errors:
        return None, errors, ref_errors
    entity = Entity(
        kind=kind,
        namespace=namespace,
        name=str(name),
        title=metadata.get("title"),
        description=metadata.get("description"),
        spec=spec,  # type: ignore[arg-type]
        annotations=annotations,
        labels=labels,
        tags=tags,
        links=links,
    )
    return entity, [], {}


def _location_targets(spec: dict[str, Any], lines: dict[str, int], line: int) -> list[tuple[object, int]]:
    """Each target of a Location with the line that names it."""
    targets: list[tuple[object, int]] = []
    if "target" in spec:
        targets.append((spec["target"], lines.get("target", line)))
    if "targets" in spec:
        many = spec["targets"]
        if isinstance(many, list):
            targets += [(target, lines.get(f"targets[{i}]", line)) for i, target in enumerate(many)]
        else:
            targets.append((many, lines.get("targets", line)))
    return targets


class _Reader:
    def __init__(self, root: Path, on_file: Callable[[str, int], None] | None) -> None:
        self.root = root
        self.on_file = on_file
        self.catalog = Catalog(root=root, entities=[], files=[])
        self.problems: list[Problem] = []
        self.queue: deque[Path] = deque()
        self.seen: set[Path] = set()
        self.first_seen: dict[tuple[str, str, str], SourcePos] = {}

    def name(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def enqueue(self, path: Path) -> None:
        if path not in self.seen:
            self.seen.add(path)
            self.queue.append(path)

    def run(self) -> None:
        while self.queue:
            path = self.queue.popleft()
            self.read_file(path)
            if self.on_file is not None:
                self.on_file(self.name(path), len(self.catalog.entities))

    def read_file(self, path: Path) -> None:
        name = self.name(path)
        self.catalog.files.append(name)
        try:
            size = path.stat().st_size
            if size <= MAX_FILE_BYTES:
                with path.open("rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after stat()
                size = len(data)
        except OSError as error:
            self.problems.append(Problem(name, None, f"cannot read the file: {error.strerror}"))
            return
        if size > MAX_FILE_BYTES:
            self.problems.append(Problem(name, None, f"the file is {size:,} bytes; the limit is 5 MiB"))
            return
        text = _decode(data, name)
        if isinstance(text, Problem):
            self.problems.append(text)
            return
        try:
            for node, document in safe_yaml.documents(text):
                self.read_document(path, name, node, document)
        except yaml.YAMLError as error:
            self.problems.append(_yaml_problem(error, name))

    def read_document(self, path: Path, name: str, node: Node, document: object) -> None:
        if document is None:
            return  # an empty document, such as after a trailing '---'
        line = _line(node, 1)
        api_version = document.get("apiVersion") if isinstance(document, dict) else None
        if not isinstance(document, dict) or not str(api_version).startswith("backstage.io/"):
            self.catalog.skipped += 1
            return
        kind = document.get("kind")
        if kind not in REFERENCE_FIELDS:
            if isinstance(kind, str) and kind.lower() in _CANONICAL_KIND:
                canonical = _CANONICAL_KIND[kind.lower()]
                self.problems.append(Problem(name, line, f"kind {kind!r} must be written {canonical!r}"))
            elif not isinstance(kind, str) or not kind:
                self.problems.append(Problem(name, line, "kind is required"))
            else:
                self.catalog.skipped += 1
                self.catalog.skipped_kinds[kind] = self.catalog.skipped_kinds.get(kind, 0) + 1
            return
        if api_version not in ACCEPTED_API_VERSIONS:
            self.problems.append(Problem(name, line, f"apiVersion {api_version!r} is not one steadyops reads"))
            return
        spec_node = _child(node, "spec")
        lines = _field_lines(spec_node)
        entity, errors, ref_errors = _check_entity(document)
        self.problems += [Problem(name, line, message) for message in errors]
        self.problems += [Problem(name, lines.get(key, line), message) for key, message in ref_errors.items()]
        if entity is None:
            return
        entity.source = SourcePos(name, line)
        entity.field_lines = lines
        key = entity.ref.key
        if key in self.first_seen:
            first = self.first_seen[key]
            self.problems.append(Problem(name, line, f"{entity.ref} is defined twice; first at {first}"))
            return
        self.first_seen[key] = entity.source
        self.catalog.entities.append(entity)
        if kind == "Location":
            self.follow(path, name, entity)

    def follow(self, path: Path, name: str, location: Entity) -> None:
        spec, lines = location.spec, location.field_lines
        location_type = spec.get("type", "file")
        if location_type != "file":
            line = lines.get("type", location.source.line)
            self.problems.append(Problem(name, line, f"only file locations are read, not type {location_type!r}"))
            return
        for target, line in _location_targets(spec, lines, location.source.line):
            if not isinstance(target, str) or not target:
                self.problems.append(Problem(name, line, f"a Location target must be a path, not {target!r}"))
                continue
            if _URL_SCHEME.match(target):
                self.problems.append(
                    Problem(name, line, f"{target!r} is a URL; only files in the catalog folder are read")
                )
                continue
            optional = spec.get("presence") == "optional"
            pattern = os.path.join(path.parent, target)
            matches = sorted(glob.glob(pattern)) if _GLOB_CHARS.search(target) else [pattern]
            if not matches and not optional:
                self.problems.append(Problem(name, line, f"{target!r} matches no file"))
            for match in matches:
                resolved = Path(match).resolve()
                if not resolved.is_relative_to(self.root):
                    self.problems.append(Problem(name, line, f"{target!r} points outside the catalog folder"))
                elif resolved.is_dir():
                    self.problems.append(Problem(name, line, f"{target!r} is a folder; name a file"))
                elif resolved.is_file():
                    self.enqueue(resolved)
                elif not optional:
                    self.problems.append(Problem(name, line, f"{target!r} does not exist"))


def _discover(directory: Path, all_yaml: bool) -> list[Path]:
    found: list[Path] = []
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = sorted(sub for sub in subfolders if not sub.startswith("."))
        for file_name in sorted(files):
            if file_name in CATALOG_FILE_NAMES or (all_yaml and file_name.endswith((".yaml", ".yml"))):
                found.append(Path(folder, file_name))
    return found


def read_catalog(path: Path, *, all_yaml: bool = False, on_file: Callable[[str, int], None] | None = None) -> Catalog:
    """Read a catalog file, or every `catalog-info.yaml` below a folder (every `*.yaml`/`*.yml` with
    `all_yaml`), following Location entities to files inside that folder. Each file is read once.

    `on_file(name, entities_so_far)` is called after each file, for a progress display.
    Raises `CatalogError` listing every problem found; then nothing should be imported.
    """
    path = Path(path).absolute()
    if not path.exists():
        raise CatalogError([Problem(str(path), None, "no such file or folder")])
    root = (path if path.is_dir() else path.parent).resolve()
    reader = _Reader(root, on_file)
    starts = _discover(root, all_yaml) if path.is_dir() else [path]
    for start in starts:
        resolved = start.resolve()
        if not resolved.is_relative_to(root):
            reader.problems.append(Problem(reader.name(start), None, "the file links outside the catalog folder"))
        else:
            reader.enqueue(resolved)
    reader.run()
    if reader.problems:
        raise CatalogError(reader.problems)
    return reader.catalog


def dangling_references(
    catalog: Catalog, known: set[EntityRef], *, fields: Iterable[str] | None = None
) -> list[Problem]:
    """References (all reference fields, or only `fields`) naming an entity that is neither in the catalog
    nor in `known` (what the caller already holds), each with the file and line that wrote it."""
    present = {entity.ref.key for entity in catalog.entities} | {ref.key for ref in known}
    wanted = set(fields) if fields is not None else None
    problems = []
    for entity in catalog.entities:
        for reference in entity.references:
            if (wanted is None or reference.field in wanted) and reference.target.key not in present:
                problems.append(
                    Problem(
                        entity.source.file,
                        reference.line,
                        f"{entity.ref} spec.{reference.field} names {reference.target}, which does not exist",
                    )
                )
    return problems


def entity_document(entity: Entity) -> dict[str, Any]:
    """The descriptor Backstage reads for this entity, with only the fields that hold something."""
    metadata: dict[str, Any] = {"name": entity.name}
    if entity.namespace != DEFAULT_NAMESPACE:
        metadata["namespace"] = entity.namespace
    for key in ("title", "description"):
        if getattr(entity, key) is not None:
            metadata[key] = getattr(entity, key)
    for key in ("labels", "annotations", "tags", "links"):
        if getattr(entity, key):
            metadata[key] = getattr(entity, key)
    return {"apiVersion": API_VERSION, "kind": entity.kind, "metadata": metadata, "spec": entity.spec}


def write_catalog(entities: Iterable[Entity], directory: Path) -> Path:
    """Write all entities to one `directory/catalog-info.yaml`, so that Backstage needs one registered
    location. Documents are ordered by kind (domains, systems, groups, users, APIs, components, resources,
    locations), then namespace and name, so that exporting an unchanged catalog gives an identical file.
    Every entity is checked first with the reader's rules; on any problem nothing is written."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    ordered = sorted(entities, key=lambda e: (order.get(e.kind, len(KINDS)), e.namespace.lower(), e.name.lower()))
    target = Path(directory) / CATALOG_FILE_NAMES[0]
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    documents = []
    for entity in ordered:
        document = entity_document(entity)
        where = f"{entity.kind} {entity.namespace}/{entity.name}"
        if entity.kind not in REFERENCE_FIELDS:
            problems.append(Problem(where, None, f"kind {entity.kind!r} is not one Backstage defines"))
            continue
        _, errors, ref_errors = _check_entity(document)
        problems += [Problem(where, None, message) for message in [*errors, *ref_errors.values()]]
        if entity.ref.key in seen:
            problems.append(Problem(where, None, f"{entity.ref} appears twice"))
        seen.add(entity.ref.key)
        documents.append(document)
    if problems:
        raise CatalogError(problems)
    text = yaml.dump_all(
        documents,
        Dumper=yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper,
        explicit_start=True,
        sort_keys=False,
        allow_unicode=True,
        width=120,
    )
    Path(directory).mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
