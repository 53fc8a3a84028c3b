"""What every benchmark writes to BENCHMARKS.md: the machine it ran on, and its figures between its own markers."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = match.group(1).strip() if match else model
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({model}), {system}, Python {platform.python_version()}"


def replace_section(path: Path, section: str, *, script: str, heading: str) -> None:
    """Put the figures between the markers of `script` (`bench/NAME.py`), keeping the rest of the file (its
    reading of them); without markers, append a new `heading` with the markers at the end."""
    start, end = f"<!-- {script}: start -->", f"<!-- {script}: end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
    else:
        before = f"{text.rstrip()}\n\n## {heading}\n\n"
        after = "\n"
    path.write_text(f"{before}{start}\n{section}\n{end}{after}")
