"""The decision file parsers never crash: any text is either a record that writes back unchanged, or an error
that names the file and a line inside it."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from steadyops.consensus import adr

LINES = st.sampled_from(
    [
        "---",
        "status: accepted",
        "status: superseded by ADR-0002",
        "date: 2024-01-02",
        "decision-makers: [a, b]",
        "deciders: Ana",
        "# 1. Record architecture decisions",
        "# A title",
        "## Status",
        "Accepted",
        "Superceded by [3. X](0003-x.md)",
        "Supercedes [2. Y](0002-y.md)",
        "Date: 2021-05-04",
        "* Status: proposed",
        "- Status: draft",
        "- Date: 2020-02-30",
        "## Context and Problem Statement",
        "## Context",
        "## Decision",
        "## Decision Outcome",
        "### Consequences",
        "## Pros and Cons of the Options <!-- optional -->",
        "```",
        "~~~~",
        "",
        "text with <script>alert(1)</script>",
        "\r",
    ]
)
FORMATS = st.sampled_from([None, "madr", "adr-tools", "log4brains"])


def _outcome(read: Callable[[], adr.AdrRecord]) -> adr.AdrRecord | adr.AdrError:
    try:
        return read()
    except adr.AdrError as error:
        return error


def _check(name: str, text: str, fmt: str | None) -> None:
    record = _outcome(lambda: adr.parse(name, text, format=fmt))
    if isinstance(record, adr.AdrError):
        assert record.path == name
        assert 1 <= record.line <= max(1, len(text.splitlines()) + 1)
        return
    assert record.title
    assert record.status in adr.STATUSES
    assert adr.write(record) == text


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(LINES, max_size=30), newline=st.sampled_from(["\n", "\r\n"]), fmt=FORMATS)
def test_it_reads_or_names_the_line_for_any_arrangement_of_record_lines(
    lines: list[str], newline: str, fmt: str | None
) -> None:
    _check("0001-x.md", newline.join(lines), fmt)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=400), fmt=FORMATS)
def test_it_reads_or_names_the_line_for_any_text(text: str, fmt: str | None) -> None:
    _check("20240101-x.md", text, fmt)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_it_reads_or_refuses_any_bytes(data: bytes) -> None:
    record = _outcome(lambda: adr.read_file("0002-y.md", data))
    if isinstance(record, adr.AdrError):
        assert record.path == "0002-y.md"
        assert record.line >= 1
        return
    assert adr.write(record).encode("utf-8") == data


SAFE = st.characters(whitelist_categories=("L", "N", "Zs", "Pd", "Po"), blacklist_characters="#`~\u3000")


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(SAFE, min_size=1, max_size=60).filter(lambda value: value.strip() != ""),
    outcome=st.text(SAFE, max_size=200),
    fmt=st.sampled_from(["madr", "adr-tools", "log4brains"]),
)
def test_it_reads_back_any_new_record(title: str, outcome: str, fmt: str) -> None:
    record = adr.AdrRecord(number=3, title=" ".join(title.split()), decision_outcome=outcome.strip(), format=fmt)
    again = adr.parse("0003-t.md", adr.write(record), format=fmt)
    assert again.title == record.title
    assert again.decision_outcome == record.decision_outcome
