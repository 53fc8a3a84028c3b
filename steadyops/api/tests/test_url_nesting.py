"""The API's paths are nested by first segment for speed; every operation still resolves to the same name."""

from __future__ import annotations

import re

from django.urls import URLPattern, path, resolve
from ninja import NinjaAPI

from steadyops.api.api import _by_first_segment, api

SAMPLES = {"int": "7", "str": "sample", "slug": "sample", "path": "sample"}


def sample_path(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def test_every_operation_resolves_to_its_own_name_through_the_nesting() -> None:
    flat = NinjaAPI._get_urls(api)
    assert len(flat) > 100
    for pattern in flat:
        assert isinstance(pattern, URLPattern)
        address = "/api/v1/" + sample_path(str(pattern.pattern))
        match = resolve(address)
        same_route = [p for p in flat if isinstance(p, URLPattern) and str(p.pattern) == str(pattern.pattern)]
        # Several operations share a route (GET and POST); the first of them is the one Django finds, as before.
        assert match.url_name == same_route[0].name, address


def test_a_list_with_a_path_starting_with_a_parameter_stays_flat() -> None:
    def view() -> None:
        return None

    flat = [path("teams/<slug>", view, name="a"), path("<slug>/members", view, name="b")]
    assert _by_first_segment(flat) == flat  # type: ignore[arg-type]


def test_paths_are_nested_by_first_segment_in_their_order() -> None:
    def view() -> None:
        return None

    flat = [path("me", view, name="me"), path("teams/<slug>", view, name="t"), path("teams", view, name="ts")]
    nested = _by_first_segment(flat)  # type: ignore[arg-type]
    assert [str(entry.pattern) for entry in nested] == ["me", "teams/", "teams"]
