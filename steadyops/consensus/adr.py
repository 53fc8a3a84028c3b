"""Architecture decision record files: read and write MADR (versions 2, 3 and 4), adr-tools and log4brains.

Pure: no Django, no database. A file is read into an `AdrRecord` (the fields steadyops keeps) together with the
`AdrDocument` it came from (every byte of the file, cut into front matter, preamble and sections). Writing a record
back in its own format replaces only the parts whose value changed, so reading and writing an untouched file gives
back exactly the same bytes, unknown sections and comments included. A record with no document is written from
a plain template of the chosen format.

A file that cannot be read raises `AdrError`, which names the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date as Date

import yaml

MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 5_000
MAX_NUMBER = 999_999
FORMATS = ("madr", "adr-tools", "log4brains")
STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
# Other tools' words for our statuses: log4brains drafts are proposals; adr-tools spells it "superceded".
STATUS_ALIASES = {"draft": "proposed", "superceded": "superseded"}
SECTION_FIELDS = (
    "context_and_problem",
    "decision_drivers",
    "considered_options",
    "decision_outcome",
    "consequences",
    "confirmation",
    "pros_and_cons",
    "more_information",
)
PEOPLE_FIELDS = ("decision_makers", "consulted", "informed")

# Section heading (lower case, without HTML comments) → field, per format.
_MADR_HEADINGS = {
    "context and problem statement": "context_and_problem",
    "decision drivers": "decision_drivers",
    "considered options": "considered_options",
    "decision outcome": "decision_outcome",
    "consequences": "consequences",
    "confirmation": "confirmation",
    "validation": "confirmation",
    "pros and cons of the options": "pros_and_cons",
    "more information": "more_information",
    "links": "more_information",
}
_ADR_TOOLS_HEADINGS = {
    "status": "status",
    "context": "context_and_problem",
    "decision": "decision_outcome",
    "consequences": "consequences",
}
# Front matter (MADR 3/4) and "* Key: value" lines (MADR 2, log4brains) → field.
_META_KEYS = {
    "status": "status",
    "date": "date",
    "decision-makers": "decision_makers",
    "deciders": "decision_makers",
    "consulted": "consulted",
    "informed": "informed",
}
_SECTION_TITLES = {
    "madr": {
        "context_and_problem": ("##", "Context and Problem Statement"),
        "decision_drivers": ("##", "Decision Drivers"),
        "considered_options": ("##", "Considered Options"),
        "decision_outcome": ("##", "Decision Outcome"),
        "consequences": ("###", "Consequences"),
        "confirmation": ("###", "Confirmation"),
        "pros_and_cons": ("##", "Pros and Cons of the Options"),
        "more_information": ("##", "More Information"),
    },
    "adr-tools": {
        "context_and_problem": ("##", "Context"),
        "decision_outcome": ("##", "Decision"),
        "consequences": ("##", "Consequences"),
    },
}
_SECTION_TITLES["log4brains"] = {
    **_SECTION_TITLES["madr"],
    "consequences": ("###", "Consequences"),
    "more_information": ("##", "Links"),
}

_FILE_NAME = re.compile(r"^(\d{1,8})-[^/\\]*\.md$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->")
_META_LINE = re.compile(r"^([*-])[ \t]+([A-Za-z][A-Za-z -]*?)[ \t]*:[ \t]*(.*?)[ \t]*$")
_ADR_TOOLS_TITLE = re.compile(r"^(\d+)\.[ \t]+(.*)$")
_ADR_TOOLS_DATE = re.compile(r"^Date:[ \t]*(.*?)[ \t]*$")
_FRONT_KEY = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:(.*)$")
_LINK_NUMBER = re.compile(r"\((?:[^)]*/)?0*(\d{1,8})-[^)]*\.md\)|ADR[- ]?0*(\d{1,8})", re.IGNORECASE)


class AdrError(ValueError):
    """A decision file that cannot be read: which file, which line (1-based), and why."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}, line {line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass
class Section:
    """One heading and the text under it, up to the next heading that starts a field (both verbatim)."""

    heading: str  # the heading line with its line ending
    body: str
    name: str  # lower case, HTML comments removed
    field: str | None


@dataclass
class AdrDocument:
    """A decision file cut into parts whose concatenation is the file, byte for byte."""

    format: str
    front: list[tuple[str | None, str]] | None  # (key or None for a line that is no key, raw lines)
    front_open: str
    front_close: str
    preamble: list[str]  # lines (with endings) between the front matter and the first field section
    sections: list[Section]
    newline: str = "\n"

    def text(self) -> str:
        parts: list[str] = []
        if self.front is not None:
            parts.append(self.front_open)
            parts.extend(raw for _, raw in self.front)
            parts.append(self.front_close)
        parts.extend(self.preamble)
        for section in self.sections:
            parts.append(section.heading)
            parts.append(section.body)
        return "".join(parts)


@dataclass
class AdrRecord:
    """What a decision file says, in the fields steadyops keeps."""

    number: int | None
    title: str
    status: str = "proposed"
    date: Date | None = None
    decision_makers: str = ""
    consulted: str = ""
    informed: str = ""
    context_and_problem: str = ""
    decision_drivers: str = ""
    considered_options: str = ""
    decision_outcome: str = ""
    consequences: str = ""
    confirmation: str = ""
    pros_and_cons: str = ""
    more_information: str = ""
    supersedes: int | None = None  # the number of the decision this one replaces
    superseded_by: int | None = None
    format: str = "madr"
    path: str = ""
    document: AdrDocument | None = field(default=None, repr=False, compare=False)
    # How the status and date were written, so an unchanged value is written back the same way.
    status_text: str = field(default="", compare=False)


# --- Reading ---------------------------------------------------------------------------------------------


def file_number(name: str) -> int | None:
    """The ADR number in a file name like 0007-use-postgresql.md; None for log4brains' date-named files
    (20240131-…) and for names that are not decision files."""
    match = _FILE_NAME.match(name)
    if match is None or len(match.group(1)) == 8:
        return None
    return int(match.group(1))


def is_decision_file(name: str) -> bool:
    """Whether a file name is a decision record's (NNNN-slug.md, or log4brains' YYYYMMDD-slug.md)."""
    return _FILE_NAME.match(name) is not None and name != "template.md"


def decode(path: str, data: bytes) -> str:
    """The file's text; a file too large or not UTF-8 is refused with the line of the problem."""
    if len(data) > MAX_FILE_BYTES:
        raise AdrError(path, 1, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AdrError(path, data[: error.start].count(b"\n") + 1, "the file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        raise AdrError(path, 1, "the file starts with a byte-order mark; save it as UTF-8 without one")
    if "\x00" in text:
        raise AdrError(path, text[: text.index("\x00")].count("\n") + 1, "the file contains a NUL character")
    return text


def _clean_heading(text: str) -> str:
    return " ".join(_COMMENT.sub("", text).split()).lower()


def _clean_value(text: str) -> str:
    return _COMMENT.sub("", text).strip()


def _field_text(body: str) -> str:
    return body.replace("\r\n", "\n").strip("\n")


def _split_lines(text: str, *, keepends: bool = False) -> list[str]:
    """Lines as editors and git see them: split at "\n" only (a line's "\r" before it belongs to the ending).
    str.splitlines also splits at a lone "\r", form feeds and Unicode separators, which would make a file that
    holds one of them come back different after a round trip."""
    parts = text.split("\n")
    last = parts.pop()
    if keepends:
        return [part + "\n" for part in parts] + ([last] if last else [])
    lines = [part[:-1] if part.endswith("\r") else part for part in parts]
    return lines + ([last] if last else [])


def detect_format(name: str, text: str) -> str:
    """Which tool wrote this file: 'madr', 'adr-tools' or 'log4brains'."""
    lines = _split_lines(text)
    if text.startswith(("---\n", "---\r\n")):
        return "madr"
    first = next((line for line in lines if line.startswith("# ")), "")
    has_status_section = any(_clean_heading(line) == "## status" for line in lines)
    if _ADR_TOOLS_TITLE.match(first[2:].strip()) and has_status_section:
        return "adr-tools"
    if any(re.match(r"^-[ \t]+(Status|Date|Deciders|Tags)[ \t]*:", line) for line in lines[:30]):
        return "log4brains"
    match = _FILE_NAME.match(name)
    if match is not None and len(match.group(1)) == 8:
        return "log4brains"
    return "madr"


def _split_front(path: str, lines: list[str]) -> tuple[list[tuple[str | None, str]] | None, str, str, int]:
    """The front matter entries, its opening and closing lines, and the index of the first line after it."""
    if not lines or lines[0].rstrip("\r\n") != "---":
        return None, "", "", 0
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            entries: list[tuple[str | None, str]] = []
            for line_no, raw in enumerate(lines[1:index], start=2):
                match = _FRONT_KEY.match(raw.rstrip("\r\n"))
                if match is not None:
                    entries.append((match.group(1).lower(), raw))
                elif entries and (raw[:1] in (" ", "\t", "-") or not raw.strip()):
                    key, previous = entries[-1]
                    entries[-1] = (key, previous + raw)
                elif raw.strip() == "" or raw.lstrip().startswith("#"):
                    entries.append((None, raw))
                else:
                    raise AdrError(path, line_no, "this line of the front matter is not 'key: value'")
            return entries, lines[0], lines[index], index + 1
    raise AdrError(path, 1, "the front matter opened with '---' is never closed")


def _front_value(path: str, line: int, raw: str) -> str:
    _, _, rest = raw.partition(":")
    try:
        value = yaml.safe_load(rest) if rest.strip() else None
    except yaml.YAMLError:
        raise AdrError(path, line, "this front matter value cannot be read") from None
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        raise AdrError(path, line, "this front matter value should be text, not a mapping")
    return str(value).strip()


def _status(path: str, line: int, text: str) -> tuple[str, int | None]:
    """Our status word and, for 'superseded by …', the number of the replacing decision."""
    cleaned = _clean_value(text)
    first = re.split(r"[\s:,;(\[]", cleaned.lower(), maxsplit=1)[0] if cleaned else ""
    first = STATUS_ALIASES.get(first, first)
    if first not in STATUSES:
        shown = cleaned[:60] or "(empty)"
        raise AdrError(path, line, f"unknown status {shown!r}; use one of {', '.join(STATUSES)}")
    replaced_by = None
    if first == "superseded":
        found = _LINK_NUMBER.search(cleaned)
        if found is not None:
            replaced_by = int(found.group(1) or found.group(2))
    return first, replaced_by


def _date(path: str, line: int, text: str) -> Date | None:
    cleaned = _clean_value(text)
    if not cleaned:
        return None
    try:
        return Date.fromisoformat(cleaned[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned[:10]) else _bad_date()
    except ValueError:
        raise AdrError(path, line, f"the date {cleaned[:40]!r} is not a date like 2024-01-31") from None


def _bad_date() -> Date:
    raise ValueError


def _cut_sections(
    path: str, lines: list[str], start: int, headings: dict[str, str]
) -> tuple[list[str], list[Section], list[int]]:
    """The preamble lines and the field sections; a heading that names no field stays inside the section before
    it. Headings inside fenced code blocks are text."""
    preamble: list[str] = []
    sections: list[Section] = []
    section_lines: list[int] = []
    seen: set[str] = set()
    fence = ""
    for index in range(start, len(lines)):
        raw = lines[index]
        stripped = raw.rstrip("\r\n")
        fence_match = _FENCE.match(stripped)
        if fence:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = ""
        elif fence_match:
            fence = fence_match.group(1)
        else:
            heading = _HEADING.match(stripped)
            if heading is not None and len(heading.group(1)) >= 2:
                name = _clean_heading(heading.group(2))
                target = headings.get(name)
                if target is not None and target not in seen:
                    seen.add(target)
                    sections.append(Section(heading=raw, body="", name=name, field=target))
                    section_lines.append(index + 1)
                    continue
        if sections:
            sections[-1].body += raw
        else:
            preamble.append(raw)
    return preamble, sections, section_lines


def parse(path: str, text: str, *, format: str | None = None) -> AdrRecord:
    """Read a decision file. `path` names it in errors and gives the ADR number (NNNN-…); the format is
    detected unless given."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    fmt = format or detect_format(name, text)
    if fmt not in FORMATS:
        raise ValueError(f"Unknown decision file format {fmt!r}.")
    lines = _split_lines(text, keepends=True)
    for number, raw in enumerate(lines, start=1):
        if "\r" in raw.removesuffix("\r\n"):
            raise AdrError(
                path, number, "A carriage return stands alone in this line; save the file with plain line endings."
            )
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    front, front_open, front_close, start = _split_front(path, lines) if fmt == "madr" else (None, "", "", 0)
    headings = _ADR_TOOLS_HEADINGS if fmt == "adr-tools" else _MADR_HEADINGS
    preamble, sections, section_lines = _cut_sections(path, lines, start, headings)
    document = AdrDocument(fmt, front, front_open, front_close, preamble, sections, newline)
    record = AdrRecord(number=file_number(name), title="", format=fmt, path=path, document=document)

    # The title: the first level-one heading before the sections.
    for offset, raw in enumerate(preamble):
        heading = _HEADING.match(raw.rstrip("\r\n"))
        if heading is not None and len(heading.group(1)) == 1:
            title = heading.group(2).strip()
            if fmt == "adr-tools":
                numbered = _ADR_TOOLS_TITLE.match(title)
                if numbered is None:
                    raise AdrError(path, start + offset + 1, "an adr-tools title reads '# 1. Title'")
                title = numbered.group(2).strip()
                if record.number is None:
                    record.number = int(numbered.group(1)[:8])
            record.title = title
            break
    if not record.title:
        raise AdrError(path, 1, "the file has no title (a first line like '# Use PostgreSQL')")
    if record.number is not None and not 1 <= record.number <= MAX_NUMBER:
        raise AdrError(path, 1, f"the decision number must be between 1 and {MAX_NUMBER}")

    if front is not None:
        line_no = 2
        for key, raw in front:
            target = _META_KEYS.get(key or "")
            if target is not None:
                _set_meta(record, path, line_no, target, _front_value(path, line_no, raw))
            line_no += raw.count("\n") or 1
    if fmt in ("madr", "log4brains"):
        for offset, raw in enumerate(preamble):
            meta = _META_LINE.match(raw.rstrip("\r\n"))
            if meta is not None:
                target = _META_KEYS.get(meta.group(2).strip().lower())
                if target is not None:
                    _set_meta(record, path, start + offset + 1, target, meta.group(3))
    if fmt == "adr-tools":
        for offset, raw in enumerate(preamble):
            dated = _ADR_TOOLS_DATE.match(raw.rstrip("\r\n"))
            if dated is not None:
                record.date = _date(path, start + offset + 1, dated.group(1))

    for section, line_no in zip(sections, section_lines, strict=True):
        assert section.field is not None
        if section.field == "status":
            _read_adr_tools_status(record, path, line_no, section.body)
        else:
            setattr(record, section.field, _field_text(section.body))
    return record


def _set_meta(record: AdrRecord, path: str, line: int, target: str, value: str) -> None:
    if target == "status":
        record.status_text = _clean_value(value)
        record.status, record.superseded_by = _status(path, line, value)
    elif target == "date":
        record.date = _date(path, line, value)
    else:
        setattr(record, target, _clean_value(value))


def _read_adr_tools_status(record: AdrRecord, path: str, heading_line: int, body: str) -> None:
    status_found = False
    for offset, raw in enumerate(_split_lines(body)):
        line = raw.strip()
        if not line:
            continue
        line_no = heading_line + offset + 1
        lowered = line.lower()
        if lowered.startswith(("supercedes", "supersedes")):
            found = _LINK_NUMBER.search(line)
            if found is not None:
                record.supersedes = int(found.group(1) or found.group(2))
            continue
        if lowered.startswith(("amended by", "amends", "clarified by", "clarifies")) or line.startswith("["):
            continue
        if not status_found:
            record.status_text = line
            record.status, record.superseded_by = _status(path, line_no, line)
            status_found = True
    if not status_found:
        raise AdrError(path, heading_line, "the Status section says no status")


def read_file(path: str, data: bytes) -> AdrRecord:
    """Decode and read one decision file."""
    return parse(path, decode(path, data))


# --- Writing ---------------------------------------------------------------------------------------------


def slug(title: str) -> str:
    """The file-name form of a title, as adr-tools makes it: lower case words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:80].strip("-") or "decision"


def file_name(record: AdrRecord) -> str:
    """NNNN-title-slug.md."""
    return f"{record.number or 0:04d}-{slug(record.title)}.md"


def _status_words(record: AdrRecord, fmt: str, names: dict[int, str]) -> str:
    word = record.status
    if fmt == "adr-tools":
        if word == "superseded" and record.superseded_by is not None:
            return f"Superceded by {_adr_tools_link(record.superseded_by, names)}"
        return word.capitalize() if word != "superseded" else "Superceded"
    if word == "superseded" and record.superseded_by is not None:
        return f"superseded by [ADR-{record.superseded_by:04d}]({names.get(record.superseded_by, '')})"
    return word


def _adr_tools_link(number: int, names: dict[int, str]) -> str:
    target = names.get(number, f"{number:04d}.md")
    title = _title_from_name(target)
    return f"[{number}. {title}]({target})"


def _title_from_name(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].removesuffix(".md")
    return stem.partition("-")[2].replace("-", " ").capitalize() or stem


def _yaml_scalar(value: str) -> str:
    if value and re.fullmatch(r"[\w .,/()@'+-]*", value) and value[0] not in "-'@" and ": " not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def write(record: AdrRecord, *, format: str | None = None, names: dict[int, str] | None = None) -> str:
    """The file for record in `format` (its own by default). With the document it was read from and the same
    format, only the parts whose value changed are rewritten. `names` maps decision numbers to file names, for
    supersede links."""
    fmt = format or record.format
    if fmt not in FORMATS:
        raise ValueError(f"Unknown decision file format {fmt!r}.")
    names = names or {}
    source = record.document
    if source is None or source.format != fmt:
        return _fresh(record, fmt, names)
    original = parse(record.path or "decision.md", source.text(), format=fmt)
    document = AdrDocument(
        source.format,
        list(source.front) if source.front is not None else None,
        source.front_open,
        source.front_close,
        list(source.preamble),
        [replace(section) for section in source.sections],
        source.newline,
    )
    nl = document.newline
    if not _same_title(original.title, record.title):
        _rewrite_title(document, record, fmt)
    if fmt == "madr" and document.front is not None:
        _rewrite_front(document, original, record, names)
    elif fmt in ("madr", "log4brains"):
        _rewrite_meta_lines(document, original, record, names)
    if fmt == "adr-tools":
        if original.date != record.date:
            _rewrite_adr_tools_date(document, record)
        if (original.status, original.superseded_by, original.supersedes) != (
            record.status,
            record.superseded_by,
            record.supersedes,
        ):
            _rewrite_adr_tools_status(document, record, names)
    titles = _SECTION_TITLES[fmt]
    for name in SECTION_FIELDS:
        new_value = getattr(record, name).replace("\r\n", "\n")
        if getattr(original, name) == new_value.strip("\n"):
            continue
        section = next((item for item in document.sections if item.field == name), None)
        body = (nl + new_value.strip("\n").replace("\n", nl) + nl) if new_value.strip("\n") else ""
        if section is None:
            if name not in titles or not body:
                continue
            level, heading = titles[name]
            _ensure_break(document)
            document.sections.append(Section(f"{level} {heading}{nl}", body, heading.lower(), name))
        else:
            is_last = section is document.sections[-1]
            section.body = body + ("" if is_last else nl) if body else nl
    return document.text()


def _ensure_break(document: AdrDocument) -> None:
    nl = document.newline
    if document.sections:
        last = document.sections[-1]
        if not last.body.endswith(nl):
            last.body += nl
        if not last.body.endswith(nl + nl):
            last.body += nl
    elif document.preamble and not document.preamble[-1].endswith(nl):
        document.preamble[-1] += nl


def _rewrite_title(document: AdrDocument, record: AdrRecord, fmt: str) -> None:
    for index, raw in enumerate(document.preamble):
        heading = _HEADING.match(raw.rstrip("\r\n"))
        if heading is not None and len(heading.group(1)) == 1:
            ending = raw[len(raw.rstrip("\r\n")) :]
            title = f"{record.number}. {record.title}" if fmt == "adr-tools" else record.title
            document.preamble[index] = f"# {title}{ending}"
            return


def _rewrite_front(document: AdrDocument, original: AdrRecord, record: AdrRecord, names: dict[int, str]) -> None:
    assert document.front is not None
    nl = document.newline
    wanted = {
        "status": _status_words(record, "madr", names),
        "date": record.date.isoformat() if record.date else "",
        "decision_makers": record.decision_makers,
        "consulted": record.consulted,
        "informed": record.informed,
    }
    changed = {
        "status": (original.status, original.superseded_by) != (record.status, record.superseded_by),
        "date": original.date != record.date,
        **{name: getattr(original, name) != getattr(record, name) for name in PEOPLE_FIELDS},
    }
    written: set[str] = set()
    for index, (key, _raw) in enumerate(document.front):
        target = _META_KEYS.get(key or "")
        if target is None:
            continue
        written.add(target)
        if changed[target]:
            document.front[index] = (key, f"{key}: {_yaml_scalar(wanted[target])}{nl}")
    for target, key in (
        ("status", "status"),
        ("date", "date"),
        ("decision_makers", "decision-makers"),
        ("consulted", "consulted"),
        ("informed", "informed"),
    ):
        if target not in written and changed[target] and wanted[target]:
            document.front.append((key, f"{key}: {_yaml_scalar(wanted[target])}{nl}"))


def _rewrite_meta_lines(document: AdrDocument, original: AdrRecord, record: AdrRecord, names: dict[int, str]) -> None:
    nl = document.newline
    labels = {
        "status": "Status",
        "date": "Date",
        "decision_makers": "Deciders",
        "consulted": "Consulted",
        "informed": "Informed",
    }
    wanted = {
        "status": _status_words(record, document.format, names),
        "date": record.date.isoformat() if record.date else "",
        **{name: getattr(record, name) for name in PEOPLE_FIELDS},
    }
    changed = {
        "status": (original.status, original.superseded_by) != (record.status, record.superseded_by),
        "date": original.date != record.date,
        **{name: getattr(original, name) != getattr(record, name) for name in PEOPLE_FIELDS},
    }
    written: set[str] = set()
    last_meta = None
    bullet = "-" if document.format == "log4brains" else "*"
    for index, raw in enumerate(document.preamble):
        meta = _META_LINE.match(raw.rstrip("\r\n"))
        if meta is None:
            continue
        target = _META_KEYS.get(meta.group(2).strip().lower())
        last_meta, bullet = index, meta.group(1)
        if target is None:
            continue
        written.add(target)
        if changed[target]:
            ending = raw[len(raw.rstrip("\r\n")) :] or nl
            document.preamble[index] = f"{meta.group(1)} {meta.group(2)}: {wanted[target]}{ending}"
    missing = [t for t in labels if t not in written and changed[t] and wanted[t]]
    if not missing:
        return
    new_lines = [f"{bullet} {labels[t]}: {wanted[t]}{nl}" for t in missing]
    if last_meta is None:
        title_index = next(
            (i for i, raw in enumerate(document.preamble) if raw.startswith("# ")), len(document.preamble) - 1
        )
        if not document.preamble[title_index].endswith(nl):
            document.preamble[title_index] += nl
        new_lines = [nl, *new_lines]
        last_meta = title_index
    document.preamble[last_meta + 1 : last_meta + 1] = new_lines


def _rewrite_adr_tools_date(document: AdrDocument, record: AdrRecord) -> None:
    nl = document.newline
    value = record.date.isoformat() if record.date else ""
    for index, raw in enumerate(document.preamble):
        if _ADR_TOOLS_DATE.match(raw.rstrip("\r\n")):
            document.preamble[index] = f"Date: {value}{raw[len(raw.rstrip(chr(13) + chr(10))) :] or nl}"
            return
    if value:
        document.preamble.append(f"{nl}Date: {value}{nl}" if document.preamble else f"Date: {value}{nl}")


def _rewrite_adr_tools_status(document: AdrDocument, record: AdrRecord, names: dict[int, str]) -> None:
    nl = document.newline
    section = next((item for item in document.sections if item.field == "status"), None)
    kept: list[str] = []
    if section is not None:
        for raw in _split_lines(section.body):
            lowered = raw.strip().lower()
            if lowered.startswith(("amended by", "amends", "clarified by", "clarifies")):
                kept.append(raw.strip())
    lines = [_status_words(record, "adr-tools", names)]
    if record.supersedes is not None:
        lines.append(f"Supercedes {_adr_tools_link(record.supersedes, names)}")
    lines.extend(kept)
    body = nl + (nl + nl).join(lines) + nl + nl
    if section is None:
        document.sections.insert(0, Section(f"## Status{nl}", body, "status", "status"))
    else:
        section.body = body


def _fresh(record: AdrRecord, fmt: str, names: dict[int, str]) -> str:
    """A new file in fmt's own template shape."""
    out: list[str] = []
    when = record.date.isoformat() if record.date else ""
    if fmt == "adr-tools":
        out.append(f"# {record.number or 0}. {record.title}\n\n")
        if when:
            out.append(f"Date: {when}\n\n")
        out.append("## Status\n\n")
        out.append(_status_words(record, fmt, names) + "\n\n")
        if record.supersedes is not None:
            out.append(f"Supercedes {_adr_tools_link(record.supersedes, names)}\n\n")
        context = record.context_and_problem
        decision = "\n\n".join(
            part
            for part in (
                record.decision_outcome,
                _sub("Decision drivers", record.decision_drivers),
                _sub("Considered options", record.considered_options),
                _sub("Pros and cons of the options", record.pros_and_cons),
                _sub("Confirmation", record.confirmation),
            )
            if part.strip()
        )
        consequences = "\n\n".join(
            part for part in (record.consequences, _sub("More information", record.more_information)) if part.strip()
        )
        for heading, value in (("Context", context), ("Decision", decision), ("Consequences", consequences)):
            out.append(f"## {heading}\n\n{value.strip()}\n\n" if value.strip() else f"## {heading}\n\n")
        return "".join(out).rstrip("\n") + "\n"
    if fmt == "madr":
        front = [("status", _status_words(record, fmt, names)), ("date", when)]
        front += [("decision-makers", record.decision_makers), ("consulted", record.consulted)]
        front += [("informed", record.informed)]
        out.append("---\n")
        out.extend(f"{key}: {_yaml_scalar(value)}\n" for key, value in front if value)
        out.append("---\n\n")
        out.append(f"# {record.title}\n\n")
    else:
        out.append(f"# {record.title}\n\n")
        meta = [("Status", _status_words(record, fmt, names)), ("Deciders", record.decision_makers), ("Date", when)]
        out.extend(f"- {key}: {value}\n" for key, value in meta if value)
        out.append("\n")
    for name in SECTION_FIELDS:
        value = getattr(record, name).strip("\n")
        if value.strip():
            level, heading = _SECTION_TITLES[fmt][name]
            out.append(f"{level} {heading}\n\n{value}\n\n")
    return "".join(out).rstrip("\n") + "\n"


def _sub(heading: str, value: str) -> str:
    return f"### {heading}\n\n{value.strip()}" if value.strip() else ""
