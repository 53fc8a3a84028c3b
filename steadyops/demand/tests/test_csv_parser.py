"""The CSV reader of metric history: formats it accepts, and every problem named by its line."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steadyops.demand import csvseries
from steadyops.demand.csvseries import CsvTooLarge, LineError, parse

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "wikipedia_peyton_manning_daily.csv"
BERLIN = ZoneInfo("Europe/Berlin")


def only(parsed: csvseries.ParsedCsv) -> dict[datetime, float]:
    assert parsed.errors == []
    assert len(parsed.series) == 1
    return next(iter(parsed.series.values())).values


def test_it_reads_a_header_with_iso_timestamps_and_zones() -> None:
    parsed = parse(
        "timestamp,value\n2024-01-01T00:00:00Z,12.5\n2024-01-01T02:00:00+01:00,13\n", service="shop", metric="rps"
    )
    assert only(parsed) == {datetime(2024, 1, 1, 0, tzinfo=UTC): 12.5, datetime(2024, 1, 1, 1, tzinfo=UTC): 13.0}
    assert parsed.has_header is True
    assert parsed.rows == 2
    assert list(parsed.series) == [("shop", "rps")]


def test_it_reads_a_file_without_header_and_epoch_seconds() -> None:
    parsed = parse("1700000000,1\n1700003600.5,2\n", service="shop", metric="rps")
    assert only(parsed) == {
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC): 1.0,
        datetime(2023, 11, 14, 23, 13, 20, 500000, tzinfo=UTC): 2.0,
    }
    assert parsed.has_header is False


def test_it_takes_service_and_metric_columns_over_the_defaults() -> None:
    text = "time,y,service,metric\n2024-01-01T00:00Z,1,cart,rps\n2024-01-01T00:00Z,2,shop,\n"
    parsed = parse(text, service="shop", metric="rps")
    assert parsed.errors == []
    assert sorted(parsed.series) == [("cart", "rps"), ("shop", "rps")]


def test_it_reads_positional_service_and_metric_columns() -> None:
    parsed = parse("2024-01-01T00:00Z,1,cart,orders\n")
    assert list(parsed.series) == [("cart", "orders")]


def test_it_reads_the_peyton_manning_file_with_dates_as_midnight_in_the_default_zone() -> None:
    parsed = parse(DATA.read_bytes(), default_zone=BERLIN, service="wiki", metric="views")
    values = only(parsed)
    assert parsed.rows == 2905
    first = min(values)
    assert first == datetime(2007, 12, 9, 23, tzinfo=UTC)  # midnight in Berlin, in winter
    assert values[first] == 14629.0


def test_it_refuses_timestamps_without_zone_by_line_unless_a_default_is_given() -> None:
    parsed = parse("ds,y\n2024-01-01T00:00:00Z,1\n2024-01-01 01:00,2\n", service="s", metric="m")
    assert parsed.errors == [
        LineError(3, "'2024-01-01 01:00' has no time zone; add one (such as Z or +01:00) or choose a default time zone")
    ]
    assert only(parse("ds,y\n2024-01-01 01:00,2\n", service="s", metric="m", default_zone=BERLIN)) == {
        datetime(2024, 1, 1, 0, tzinfo=UTC): 2.0
    }


def test_it_names_a_duplicate_moment_with_both_lines() -> None:
    parsed = parse("ts,value\n", service="s", metric="m")
    assert parsed.errors == [LineError(1, parsed.errors[0].message)]
    text = "timestamp,value\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,2\n2024-01-01T01:00+00:00,3\n"
    parsed = parse(text, service="s", metric="m")
    assert [str(e) for e in parsed.errors] == ["line 4: 2024-01-01T01:00:00+00:00 for s / m is already on line 3"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-1", "'-1' is negative; traffic figures are zero or more"),
        ("NaN", "'NaN' is not a finite number; leave the row out to mark a gap"),
        ("inf", "'inf' is not a finite number; leave the row out to mark a gap"),
        ("-Infinity", "'-Infinity' is not a finite number; leave the row out to mark a gap"),
        ("1e999", "'1e999' is too large"),
        ("1,5", None),
        ("12 rps", "'12 rps' is not a number (write 12.5, with a dot)"),
        ("1_000", "'1_000' is not a number (write 12.5, with a dot)"),
        ("", "the value is empty"),
    ],
)
def test_it_refuses_bad_values_by_line(value: str, reason: str | None) -> None:
    parsed = parse(f'timestamp,value\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,"{value}"\n', service="s", metric="m")
    assert parsed.errors == [LineError(3, reason or "'1,5' is not a number (write 12.5, with a dot)")]


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("yesterday", "'yesterday' is not a timestamp; write ISO-8601 such as 2024-01-31T14:00:00Z, or epoch seconds"),
        ("1700000000000", "'1700000000000' looks like milliseconds; give epoch seconds"),
        ("1900-01-01T00:00Z", "'1900-01-01T00:00Z' is before 1970 or after 2199"),
        ("", "the timestamp is empty"),
    ],
)
def test_it_refuses_bad_timestamps_by_line(stamp: str, reason: str) -> None:
    parsed = parse(f"timestamp,value\n{stamp},1\n", service="s", metric="m")
    assert parsed.errors == [LineError(2, reason)]


def test_it_refuses_hostile_service_and_metric_names() -> None:
    text = (
        "timestamp,value,service,metric\n"
        "2024-01-01T00:00Z,1,../../etc,rps\n"
        "2024-01-01T00:00Z,1,<script>,rps\n"
        "2024-01-01T00:00Z,1,shop,\x1b[31mred\n"
        "2024-01-01T00:00Z,1,'; DROP TABLE x;--,rps\n"
    )
    parsed = parse(text)
    assert [e.line for e in parsed.errors] == [2, 3, 4, 5]
    assert (
        parsed.errors[0].message == "the service '../../etc' is not a service's short name (letters, digits, - and _)"
    )
    assert "\x1b" not in parsed.errors[2].message
    assert parsed.series == {}


def test_it_needs_a_service_and_a_metric() -> None:
    assert parse("2024-01-01T00:00Z,1\n", metric="m").errors == [
        LineError(2 - 1, "no service: add a service column or choose the service")
    ]
    assert parse("2024-01-01T00:00Z,1\n", service="s").errors == [
        LineError(1, "no metric: add a metric column or name the metric")
    ]


def test_it_reports_an_empty_file_and_a_header_only_file() -> None:
    assert [str(e) for e in parse("", service="s", metric="m").errors] == ["the file is empty"]
    assert [str(e) for e in parse("\n\n", service="s", metric="m").errors] == ["the file is empty"]
    assert [str(e) for e in parse("ds,y\n", service="s", metric="m").errors] == ["the file has a header but no rows"]


def test_it_refuses_unknown_columns_and_wrong_widths() -> None:
    assert parse("when,value\n", service="s", metric="m").errors[0].line == 1
    assert "not known" in parse("when,value\n", service="s", metric="m").errors[0].message
    assert parse("timestamp,value\n2024-01-01T00:00Z,1,extra\n", service="s", metric="m").errors == [
        LineError(2, "expected 2 values, as in the first row; found 3")
    ]
    assert parse("2024-01-01T00:00Z\n", service="s", metric="m").errors == [
        LineError(1, "expected 2 to 4 values (timestamp, value, service, metric); found 1")
    ]


def test_it_names_the_line_of_bytes_that_are_not_utf8() -> None:
    data = b"timestamp,value\n2024-01-01T00:00Z,1\n" + "2024-01-01T01:00Z,2 é\n".encode("latin-1")
    parsed = parse(data, service="s", metric="m")
    assert parsed.errors == [
        LineError(3, "this line is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in spreadsheets)")
    ]


def test_it_accepts_a_byte_order_mark_and_windows_line_ends() -> None:
    data = "\ufefftimestamp,value\r\n2024-01-01T00:00Z,1\r\n".encode()
    assert only(parse(data, service="s", metric="m")) == {datetime(2024, 1, 1, tzinfo=UTC): 1.0}


def test_it_refuses_a_file_over_the_size_limit_before_reading_it() -> None:
    with pytest.raises(CsvTooLarge, match="larger than 100 bytes"):
        parse(b"x" * 101, service="s", metric="m", max_bytes=100)


def test_it_stops_over_the_row_limit() -> None:
    text = "".join(f"{1700000000 + i},1\n" for i in range(4))
    parsed = parse(text, service="s", metric="m", max_rows=3)
    assert parsed.errors == [LineError(4, "the file has more than 3 rows; split it")]


def test_it_stops_after_max_errors() -> None:
    text = "timestamp,value\n" + "".join(f"2024-01-01T00:00Z,-{i + 1}\n" for i in range(50))
    parsed = parse(text, service="s", metric="m", max_errors=5)
    assert [e.line for e in parsed.errors] == [2, 3, 4, 5, 6]
    assert parsed.stopped_early is True


def test_it_names_the_line_of_a_broken_quote_and_of_an_overlong_field() -> None:
    parsed = parse('timestamp,value\n2024-01-01T00:00Z,"1\n', service="s", metric="m")
    assert parsed.errors[0].line == 2
    assert parsed.errors[0].message.startswith("this line cannot be read as CSV")
    parsed = parse("timestamp,value\n2024-01-01T00:00Z," + "1" * 2000 + "\n", service="s", metric="m")
    assert parsed.errors == [LineError(2, "a value is longer than 1000 characters")]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_it_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    parsed = parse(data, service="s", metric="m", default_zone=UTC)
    assert all(error.line >= 0 for error in parsed.errors)
    for rows in parsed.series.values():
        assert all(value >= 0 for value in rows.values.values())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=30), st.sampled_from(["ds", "y", "1700000000", "2024-01-01", "nan"])), max_size=5
        ),
        max_size=8,
    )
)
def test_it_never_crashes_on_arbitrary_rows(rows: list[list[str]]) -> None:
    text = "\n".join(",".join(cells) for cells in rows)
    parsed = parse(text, service="s", metric="m")
    assert parsed.ok == (not parsed.errors)
