"""Which signal a new report or alert joins, and when a signal is worth waking someone for.

Pure functions on plain values: no database, no requests. A new item joins an open signal seen recently when
they share an alert group, a service or a product area; when the item names neither service nor area (a
colleague typed what looks broken), it joins the signal whose words are most alike, above a threshold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=30)
SIMILARITY_THRESHOLD = 0.3
KEYWORDS_MAX = 1_000

# Words that say nothing about what is broken; dropped before texts are compared.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "cannot",
        "cant",
        "could",
        "did",
        "do",
        "does",
        "doesnt",
        "dont",
        "down",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isnt",
        "it",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "under",
        "up",
        "very",
        "was",
        "wasnt",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "wont",
        "would",
        "you",
        "your",
        "site",
        "page",
        "website",
        "broken",
        "working",
        "work",
        "works",
        "looks",
        "seems",
        "problem",
        "issue",
        "error",
        "please",
        "help",
        "customers",
        "customer",
        "people",
    ]
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Item:
    """A report or an alert to be grouped."""

    at: datetime
    text: str = ""
    service_id: int | None = None
    product_area: str = ""
    group_key: str = ""
    severity: str = ""


@dataclass(frozen=True)
class Candidate:
    """An open signal as grouping sees it."""

    id: int
    last_seen_at: datetime
    keywords: frozenset[str] = frozenset()
    service_id: int | None = None
    product_area: str = ""
    group_key: str = ""


def words(text: str) -> frozenset[str]:
    """The meaningful words of text: case and accents folded, stopwords and one-letter words dropped, a plural
    's' trimmed so "errors" meets "error"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    result = set()
    for word in _WORD.findall(folded):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if len(word) < 2 or word in STOPWORDS:
            continue
        result.add(word)
    return frozenset(result)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two word sets, from 0 (nothing shared) to 1 (the same words); 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _area(value: str) -> str:
    return " ".join(value.casefold().split())


def choose(
    item: Item,
    candidates: Iterable[Candidate],
    *,
    window: timedelta = WINDOW,
    threshold: float = SIMILARITY_THRESHOLD,
) -> int | None:
    """The id of the signal item joins, or None for a new signal.

    Only signals last seen within window of the item count. In order: the same alert group; the same service;
    the same product area; then, if item or signal names neither service nor area, the most alike words
    (Jaccard ≥ threshold). An item about one service never joins a signal about another. Ties go to the signal
    seen last.
    """
    recent = [c for c in candidates if abs(item.at - c.last_seen_at) <= window]
    recent.sort(key=lambda c: (c.last_seen_at, c.id), reverse=True)
    if item.group_key:
        for c in recent:
            if c.group_key == item.group_key:
                return c.id
    if item.service_id is not None:
        for c in recent:
            if c.service_id == item.service_id:
                return c.id
    area = _area(item.product_area)
    if area:
        for c in recent:
            if _area(c.product_area) == area and (c.service_id is None or item.service_id is None):
                return c.id
    item_words = words(item.text)
    item_placed = item.service_id is not None or bool(area)
    best: tuple[float, int] | None = None
    for c in recent:
        candidate_placed = c.service_id is not None or bool(_area(c.product_area))
        if item_placed and candidate_placed:
            continue
        score = similarity(item_words, c.keywords)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, c.id)
    return best[1] if best is not None else None


def merge_keywords(existing: frozenset[str], new: frozenset[str], *, limit: int = KEYWORDS_MAX) -> frozenset[str]:
    """The words of a signal once an item joined: the old ones first, new ones while they fit in limit characters
    (joined by spaces), so a long-running signal keeps what it was first about."""
    result = set(existing)
    size = len(" ".join(sorted(existing)))
    for word in sorted(new - existing):
        extra = len(word) + (1 if result else 0)
        if size + extra > limit:
            break
        result.add(word)
        size += extra
    return frozenset(result)


def keywords_text(keywords: frozenset[str]) -> str:
    return " ".join(sorted(keywords))


def parse_keywords(text: str) -> frozenset[str]:
    return frozenset(text.split())


def crosses_threshold(
    report_times: Sequence[datetime],
    *,
    count: int = 3,
    minutes: int = 10,
    critical: bool = False,
) -> bool:
    """Whether a signal should page on-call: any critical alert, or count reports within some span of minutes
    (any span, so a late grouping run still sees a burst that happened while it was away)."""
    if critical or count <= 1:
        return critical or len(report_times) >= max(count, 0)
    times = sorted(report_times)
    span = timedelta(minutes=minutes)
    return any(times[i + count - 1] - times[i] <= span for i in range(len(times) - count + 1))
