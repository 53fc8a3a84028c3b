"""Similar past decisions: what the log already says about a question someone is about to argue again.

Ranking is full-text (core.search) over a decision's title, its context and problem, and its outcome. Withdrawn
records are never offered. This never stands in anyone's way: no text, no results; a search that fails is logged
and shows nothing rather than an error beside a form.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from steadyops.consensus.models import Decision
from steadyops.core import search

logger = logging.getLogger(__name__)

DECISION_INDEX = search.FullTextIndex(
    table="consensus_decision",
    columns=("title", "context_and_problem", "decision_outcome"),
    weights=(10.0, 2.0, 4.0),
)
MAX_TEXT = 10_000
MAX_LIMIT = 20


def install_search_index(using_connection: object = None) -> None:
    """Create the decisions' full-text index on this database (what the migration does)."""
    search.install(DECISION_INDEX, using_connection)


def similar_decisions(text: str, *, exclude_id: int | None = None, limit: int = 5) -> list[Decision]:
    """The past decisions most like text, best first, at most `limit` (capped at MAX_LIMIT); never withdrawn
    ones, never the record `exclude_id` itself. Empty text gives no results."""
    text = (text or "")[:MAX_TEXT]
    limit = max(0, min(limit, MAX_LIMIT))
    if not text.strip() or limit == 0:
        return []
    within = Decision.objects.filter(withdrawn_at=None)
    if exclude_id is not None:
        within = within.exclude(pk=exclude_id)
    try:
        # A savepoint, so that a failed search leaves a surrounding PostgreSQL transaction usable.
        with transaction.atomic():
            ranked = search.rank(DECISION_INDEX, text, within=within, limit=limit, match="any")  # type: ignore[arg-type]
    except DatabaseError:
        logger.exception("Looking up similar decisions failed")
        return []
    by_id = Decision.objects.in_bulk([pk for pk, _ in ranked])
    return [by_id[pk] for pk, _ in ranked if pk in by_id]


def search_decisions(text: str, *, within: QuerySet[Decision] | None = None, limit: int = 500) -> list[int]:
    """The ids of decisions (among `within`) containing every word of text, best first: the decision log's
    search box, which shows at most `limit` matches."""
    text = (text or "")[:MAX_TEXT]
    return [pk for pk, _ in search.rank(DECISION_INDEX, text, within=within, limit=limit, match="all")]  # type: ignore[arg-type]
