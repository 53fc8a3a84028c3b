"""Reading metric history from CSV files: timestamp, value, and optionally service and metric.

Pure: no Django. Every problem is named by its line (1-based, as an editor counts) and reason; the caller saves
nothing unless the file has no problem at all.

    timestamp,value                  ds,y                     1700000000,12.5
    2024-01-01T00:00:00Z,12.5        2007-12-10,9.59          1700003600,13
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_ERRORS = 20
MAX_FIELD = 1000

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
EPOCH_RE = re.compile(r"^\d{1,16}(?:\.\d{1,9})?$")
NOT_FINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})

COLUMN_NAMES: dict[str, str] = {
    "timestamp": "timestamp",
    "time": "timestamp",
    "ds": "timestamp",
    "date": "timestamp",
    "datetime": "timestamp",
    "at": "timestamp",
    "value": "value",
    "y": "value",
    "service": "service",
    "metric": "metric",
}
POSITIONAL = ("timestamp", "value", "service", "metric")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class CsvTooLarge(ValueError):
    """The file is over the size limit; nothing of it was read."""


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class SeriesRows:
    """The points of one series in a file: moment (UTC) → value, and the line each came from."""

    service: str
    metric: str
    values: dict[datetime, float] = field(default_factory=dict)
    lines: dict[datetime, int] = field(default_factory=dict)


@dataclass
class ParsedCsv:
    series: dict[tuple[str, str], SeriesRows]
    errors: list[LineError]
    rows: int = 0
    has_header: bool = False
    stopped_early: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _TooManyErrors(Exception):
    pass


# Records a problem on a line; raises _TooManyErrors once enough are collected.
Report = Callable[[int, str], None]


def decode(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> str | LineError:
    """The text of data as UTF-8 (a byte-order mark is dropped), or the line holding the first byte that is not."""
    if isinstance(data, str):
        if len(data) > max_bytes or len(data.encode("utf-8", "surrogatepass")) > max_bytes:
            raise CsvTooLarge(f"The file is larger than {_size(max_bytes)}.")
        return data[1:] if data.startswith("\ufeff") else data
    if len(data) > max_bytes:
        raise CsvTooLarge(f"The file is larger than {_size(max_bytes)}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return LineError(line, "this line is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in spreadsheets)")


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def parse_timestamp(text: str, default_zone: tzinfo | None) -> datetime:
    """A moment in UTC from ISO-8601 (with a zone, or with default_zone) or Unix epoch seconds.

    A date without a time is midnight in the default zone. Raises ValueError with a reason for a person.
    """
    text = text.strip()
    if not text:
        raise ValueError("the timestamp is empty")
    if EPOCH_RE.match(text):
        seconds = float(text)
        if seconds > 10_000_000_000:
            raise ValueError(f"{_show(text)} looks like milliseconds; give epoch seconds")
        moment = EARLIEST + timedelta(seconds=seconds)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{_show(text)} is not a timestamp; write ISO-8601 such as 2024-01-31T14:00:00Z, or epoch seconds"
            ) from None
        if moment.tzinfo is None:
            if default_zone is None:
                raise ValueError(
                    f"{_show(text)} has no time zone; add one (such as Z or +01:00) or choose a default time zone"
                )
            moment = moment.replace(tzinfo=default_zone)
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{_show(text)} is before 1970 or after 2199")
    return moment.astimezone(UTC)


def parse_value(text: str) -> float:
    """A finite, non-negative number; raises ValueError with a reason for a person."""
    text = text.strip()
    if not text:
        raise ValueError("the value is empty")
    if text.lower() in NOT_FINITE:
        raise ValueError(f"{_show(text)} is not a finite number; leave the row out to mark a gap")
    if not NUMBER_RE.match(text):
        raise ValueError(f"{_show(text)} is not a number (write 12.5, with a dot)")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{_show(text)} is too large")
    if value < 0:
        raise ValueError(f"{_show(text)} is negative; traffic figures are zero or more")
    return value + 0.0  # turns -0.0 into 0.0


def _show(text: str) -> str:
    cleaned = "".join(char if char.isprintable() else "?" for char in text[:40])
    return repr(cleaned + ("…" if len(text) > 40 else ""))


def _is_header(cells: list[str]) -> bool:
    return any(cell.strip().lower().lstrip("\ufeff") in COLUMN_NAMES for cell in cells)


def _header_columns(cells: list[str]) -> tuple[dict[str, int], str | None]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if name not in COLUMN_NAMES:
            known = "timestamp (or time, ds, date), value (or y), service, metric"
            return {}, f"the column {_show(cell)} is not known; the columns are {known}"
        column = COLUMN_NAMES[name]
        if column in columns:
            return {}, f"two columns mean the {column}"
        columns[column] = index
    if "timestamp" not in columns or "value" not in columns:
        return {}, "the header needs a timestamp column (timestamp, time, ds or date) and a value column (value or y)"
    return columns, None


def parse(
    data: bytes | str,
    *,
    default_zone: tzinfo | None = None,
    service: str = "",
    metric: str = "",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_errors: int = MAX_ERRORS,
) -> ParsedCsv:
    """Read a CSV file of metric history. Service and metric columns win over the service and metric given.

    Raises CsvTooLarge over max_bytes; every other problem is a LineError in the result (at most max_errors,
    after which reading stops).
    """
    result = ParsedCsv(series={}, errors=[])
    text = decode(data, max_bytes=max_bytes)
    if isinstance(text, LineError):
        result.errors.append(text)
        return result

    def fail(line: int, message: str) -> None:
        result.errors.append(LineError(line, message))
        if len(result.errors) >= max_errors:
            result.stopped_early = True
            raise _TooManyErrors

    with contextlib.suppress(_TooManyErrors):
        _read(text, result, fail, default_zone, service.strip(), metric.strip(), max_rows)
    return result


def _read(
    text: str,
    result: ParsedCsv,
    report: Report,
    default_zone: tzinfo | None,
    service: str,
    metric: str,
    max_rows: int,
) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    previous_end = 0
    first = True
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report(reader.line_num or start, f"this line cannot be read as CSV ({error})")
            return
        previous_end = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if any(len(cell) > MAX_FIELD for cell in cells):
            report(start, f"a value is longer than {MAX_FIELD} characters")
            continue
        if first:
            first = False
            if _is_header(cells):
                result.has_header = True
                columns, problem = _header_columns(cells)
                if problem is not None:
                    report(start, problem)
                    return
                continue
        if columns is None:
            if not 2 <= len(cells) <= 4:
                report(start, f"expected 2 to 4 values (timestamp, value, service, metric); found {len(cells)}")
                return
            columns = {name: index for index, name in enumerate(POSITIONAL[: len(cells)])}
        if len(cells) != len(columns):
            report(start, f"expected {len(columns)} values, as in the first row; found {len(cells)}")
            continue
        result.rows += 1
        if result.rows > max_rows:
            report(start, f"the file has more than {max_rows:,} rows; split it")
            return
        _row(cells, columns, start, result, report, default_zone, service, metric)
    if result.rows == 0 and not result.errors:
        report(0, "the file has a header but no rows" if result.has_header else "the file is empty")


def _row(
    cells: list[str],
    columns: dict[str, int],
    line: int,
    result: ParsedCsv,
    report: Report,
    default_zone: tzinfo | None,
    service: str,
    metric: str,
) -> None:
    row_service = cells[columns["service"]].strip() if "service" in columns else ""
    row_metric = cells[columns["metric"]].strip() if "metric" in columns else ""
    row_service, row_metric = row_service or service, row_metric or metric
    try:
        at = parse_timestamp(cells[columns["timestamp"]], default_zone)
        value = parse_value(cells[columns["value"]])
    except ValueError as error:
        report(line, str(error))
        return
    if not row_service:
        report(line, "no service: add a service column or choose the service")
        return
    if not SLUG_RE.match(row_service):
        report(line, f"the service {_show(row_service)} is not a service's short name (letters, digits, - and _)")
        return
    if not row_metric:
        report(line, "no metric: add a metric column or name the metric")
        return
    if not SLUG_RE.match(row_metric):
        report(line, f"the metric {_show(row_metric)} is not a short name (lowercase letters, digits, - and _)")
        return
    key = (row_service, row_metric)
    rows = result.series.get(key)
    if rows is None:
        rows = result.series[key] = SeriesRows(service=row_service, metric=row_metric)
    earlier = rows.lines.get(at)
    if earlier is not None:
        report(line, f"{at.isoformat()} for {row_service} / {row_metric} is already on line {earlier}")
        return
    rows.values[at] = value
    rows.lines[at] = line
