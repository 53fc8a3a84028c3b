"""A strict YAML loader for catalog files.

It refuses anchors and aliases (a few hundred bytes of aliases can expand to gigabytes), explicit tags, deep
nesting and duplicate keys, and follows YAML 1.2 as Backstage does (`yes` and `2024-01-01` stay strings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node
from yaml.resolver import Resolver

MAX_DEPTH = 64
_ALLOWED_TAGS = frozenset(
    {None, "!"} | {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
)


class _StrictComposer(Composer):
    """Builds the node tree from parser events, refusing what a catalog never needs and an attacker might use."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        # Every event reaching here is a node event; an alias's anchor is the name it refers to.
        if event.anchor is not None:
            _refuse("anchors and aliases (& and *) are not accepted in catalog files", event)
        if event.tag not in _ALLOWED_TAGS:
            _refuse(f"the tag {event.tag} is not accepted in catalog files", event)
        return super().compose_node(parent, index)

    def compose_sequence_node(self, anchor: Any) -> Any:
        return self._nested(super().compose_sequence_node, anchor)

    def compose_mapping_node(self, anchor: Any) -> Any:
        return self._nested(super().compose_mapping_node, anchor)

    def _nested(self, compose: Callable[[Any], Node], anchor: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                _refuse(f"nested more than {MAX_DEPTH} levels deep", self.peek_event())  # type: ignore[attr-defined]
            return compose(anchor)
        finally:
            self._depth -= 1


class Refused(yaml.MarkedYAMLError):
    """Valid YAML that a catalog file may not use."""


def _refuse(problem: str, event: Any) -> None:
    raise Refused(problem=problem, problem_mark=event.start_mark)


class _Constructor(SafeConstructor):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node)
                if key in seen:
                    raise ConstructorError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
                seen.add(key)
        return mapping


_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Resolver(Resolver):
    # YAML 1.2, as Backstage reads it: only true/false are booleans and dates stay text.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _TIMESTAMP)]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }


_Resolver.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class SafeCatalogLoader(_StrictComposer, _Constructor, _Resolver, yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing anchors, aliases, explicit tags, deep nesting and duplicate keys."""


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastCatalogLoader(_StrictComposer, CParser, _Constructor, _Resolver):  # type: ignore[misc]
        """The same rules, with libyaml scanning and parsing; composing stays in Python to see every event."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)
            _StrictComposer.__init__(self)

    _LOADER: type = _FastCatalogLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADER = SafeCatalogLoader


def documents(text: str) -> Iterator[tuple[Node, Any]]:
    """Each YAML document in `text` as its node tree, for line numbers, and its value."""
    loader = _LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()
