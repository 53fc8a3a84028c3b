"""Reading and writing decision files: MADR 2-4, adr-tools and log4brains, byte for byte."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from steadyops.consensus import adr

FIXTURES = Path(__file__).parent / "fixtures" / "adr"
ALL_FILES = sorted(path for path in FIXTURES.rglob("*.md") if adr.is_decision_file(path.name))


def _read(relative: str) -> adr.AdrRecord:
    path = FIXTURES / relative
    return adr.read_file(path.name, path.read_bytes())


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_it_writes_every_fixture_back_byte_for_byte(path: Path) -> None:
    record = adr.read_file(path.name, path.read_bytes())
    assert adr.write(record).encode("utf-8") == path.read_bytes()


def test_it_reads_madr4() -> None:
    record = _read("madr4/0001-use-postgresql-for-billing.md")
    assert record.format == "madr"
    assert (record.number, record.title, record.status) == (1, "Use PostgreSQL for the billing database", "accepted")
    assert record.date == date(2024, 3, 12)
    assert record.decision_makers == "Ana (platform), Ben (billing)"
    assert record.consulted == "Finance"
    assert record.informed == "Support, Sales"
    assert record.context_and_problem.startswith("Billing keeps money records.")
    assert record.context_and_problem.endswith("<!-- This is an optional element. Feel free to remove. -->")
    assert record.decision_drivers == "* Transactions across several tables\n* Point-in-time recovery"
    assert record.consequences.startswith("* Good, because backups")
    assert record.confirmation == "The billing service's deployment manifest names a PostgreSQL 16 cluster."
    assert "## This heading is inside a code block" in record.pros_and_cons
    assert "## Appendix: benchmark numbers" in record.pros_and_cons
    assert record.more_information == "See the capacity review of March 2024."


def test_it_reads_a_madr_superseded_status() -> None:
    record = _read("madr4/0002-page-the-on-call-person-for-checkout.md")
    assert (record.status, record.superseded_by) == ("superseded", 3)


def test_it_reads_madr3_deciders_and_validation() -> None:
    record = _read("madr3/0004-feature-flags-for-risky-changes.md")
    assert (record.status, record.decision_makers, record.informed) == ("proposed", "Ops guild", "Everyone")
    assert record.confirmation == "Every risky change's review names its flag."


def test_it_reads_madr2_bullets() -> None:
    record = _read("madr2/0005-record-decisions-in-markdown.md")
    assert record.format == "madr"
    assert (record.number, record.status, record.decision_makers) == (5, "accepted", "Ana, Ben")
    assert record.date == date(2022, 1, 10)
    assert record.decision_drivers == "* Easy to write\n* Kept next to the code"
    assert "### Negative Consequences" in record.decision_outcome
    assert record.more_information == "* [MADR](https://adr.github.io/madr/)"


def test_it_reads_the_adr_init_record() -> None:
    record = _read("adr-tools/0001-record-architecture-decisions.md")
    assert record.format == "adr-tools"
    assert (record.number, record.title, record.status) == (1, "Record architecture decisions", "accepted")
    assert record.date == date(2021, 5, 4)
    assert record.context_and_problem == "We need to record the architectural decisions made on this project."
    assert record.decision_outcome.startswith("We will use Architecture Decision Records")


def test_it_reads_adr_tools_supersede_links_both_ways() -> None:
    old = _read("adr-tools/0002-deploy-with-blue-green.md")
    new = _read("adr-tools/0003-deploy-with-canaries.md")
    assert (old.status, old.superseded_by, old.supersedes) == ("superseded", 3, None)
    assert (new.status, new.superseded_by, new.supersedes) == ("accepted", None, 2)


def test_it_reads_log4brains() -> None:
    record = _read("log4brains/20200925-use-log4brains-to-manage-the-adrs.md")
    assert record.format == "log4brains"
    assert record.number is None
    assert (record.status, record.decision_makers, record.date) == ("proposed", "Platform team", None)


def test_it_rewrites_only_what_changed() -> None:
    path = FIXTURES / "madr4/0001-use-postgresql-for-billing.md"
    record = adr.read_file(path.name, path.read_bytes())
    record.status = "deprecated"
    record.consequences = "* Good, because it works."
    text = adr.write(record)
    original = path.read_text()
    assert "status: deprecated\n" in text
    assert "### Consequences\n\n* Good, because it works.\n\n### Confirmation" in text
    head = original[: original.index("### Consequences")]
    assert text.startswith(head.replace("status: accepted\n", "status: deprecated\n"))
    unchanged_tail = original[original.index("### Confirmation") :]
    assert text.endswith(unchanged_tail)
    assert adr.parse(path.name, text).status == "deprecated"


def test_it_writes_a_changed_adr_tools_status_with_its_spelling() -> None:
    record = _read("adr-tools/0001-record-architecture-decisions.md")
    record.status, record.superseded_by = "superseded", 4
    text = adr.write(record, names={4: "0004-use-madr.md"})
    assert "## Status\n\nSuperceded by [4. Use madr](0004-use-madr.md)\n\n## Context" in text
    assert adr.parse(record.path, text).superseded_by == 4


@pytest.mark.parametrize("fmt", ["madr", "adr-tools", "log4brains"])
def test_it_writes_a_new_record_that_reads_back_the_same(fmt: str) -> None:
    record = adr.AdrRecord(
        number=12,
        title="Keep a spare database replica",
        status="accepted",
        date=date(2025, 1, 2),
        context_and_problem="One replica is a single point of failure.",
        decision_outcome="Run two replicas.",
        consequences="* Costs more.",
        format=fmt,
    )
    text = adr.write(record)
    again = adr.parse(adr.file_name(record), text)
    assert again.format == fmt
    assert (again.number, again.title, again.status, again.date) == (12, record.title, "accepted", date(2025, 1, 2))
    assert again.context_and_problem == record.context_and_problem
    assert again.decision_outcome == record.decision_outcome
    assert again.consequences == record.consequences
    assert adr.write(again) == text


def test_it_names_files_like_adr_tools() -> None:
    record = adr.AdrRecord(number=7, title="Use PostgreSQL (v16) — for billing!")
    assert adr.file_name(record) == "0007-use-postgresql-v16-for-billing.md"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("---\nstatus: accepted\n# Title\n", 1, "never closed"),
        ("---\nstatus: [unclosed\n---\n# Title\n", 2, "cannot be read"),
        ("---\nstatus: accepted\nthis is not yaml\n---\n# T\n", 3, "not 'key: value'"),
        ("---\nstatus: maybe\n---\n\n# Title\n", 2, "unknown status 'maybe'"),
        ("# Title\n\n* Status: accepted\n* Date: 2024-13-45\n", 4, "is not a date"),
        ("Just some text\n", 1, "no title"),
        ("# 1. Title\n\n## Status\n\n## Context\n\nx\n", 3, "says no status"),
        ("# 1. Title\n\n## Status\n\nPending\n", 5, "unknown status 'Pending'"),
    ],
)
def test_it_names_the_file_and_line_of_a_malformed_record(text: str, line: int, reason: str) -> None:
    with pytest.raises(adr.AdrError) as caught:
        adr.parse("0001-bad.md", text)
    assert caught.value.path == "0001-bad.md"
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"0001-bad.md, line {line}: ")


def test_it_refuses_an_oversized_file() -> None:
    with pytest.raises(adr.AdrError, match=r"0001-big.md, line 1: the file is larger than 1024 KiB"):
        adr.read_file("0001-big.md", b"# Big\n" + b"x" * adr.MAX_FILE_BYTES)


def test_it_names_the_line_of_bytes_that_are_not_utf8() -> None:
    with pytest.raises(adr.AdrError, match=r"0001-bin.md, line 3: the file is not UTF-8 text"):
        adr.read_file("0001-bin.md", b"# Title\n\nabc \xff\xfe\n")


def test_it_keeps_windows_line_endings() -> None:
    text = "# Title\r\n\r\n* Status: accepted\r\n\r\n## Context and Problem Statement\r\n\r\nWhy.\r\n"
    record = adr.parse("0009-title.md", text)
    assert record.context_and_problem == "Why."
    assert adr.write(record) == text
    record.context_and_problem = "Because."
    assert adr.write(record) == text.replace("Why.", "Because.")


def test_a_stray_carriage_return_is_named_with_its_line() -> None:
    with pytest.raises(adr.AdrError) as raised:
        adr.parse("0001-x.md", "# 1. Record architecture decisions\r\n\r\r\n## Status\r\n", format="adr-tools")
    assert (raised.value.path, raised.value.line) == ("0001-x.md", 2)
