"""Full-text ranking behind one small interface: SQLite FTS5 on the embedded database, PostgreSQL full-text search
when DATABASE_URL points there.

A `FullTextIndex` names a table and the text columns to search, most important first. Each database needs its
index created once, by a migration: `install_sql(index, vendor)` gives the exact statements (SQLite: an FTS5
table with external content, kept in step with the table by triggers; PostgreSQL: a GIN index on the same
`to_tsvector` expression that queries use). `install(index)` runs them on the default connection.

Queries never take the user's text as query syntax: it is cut into words, and only words reach the database,
as parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection
from django.db.models import Model, QuerySet

Match = Literal["any", "all"]

# Words are what both engines' tokenizers call words; everything else in the user's text is dropped.
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 32
MAX_WORD_LENGTH = 64
TEXT_CONFIG = "english"
# Rows ranked at most per query: SQLite's bm25() is cheap per row; PostgreSQL's ts_rank() recomputes each row's
# tsvector from the expression index's columns, which costs far more.
RANK_BUDGET = {"sqlite": 2_000, "postgresql": 250}


@dataclass(frozen=True)
class FullTextIndex:
    """The text columns of one table that are searched together; `weights` ranks a hit in the first column
    above one in the last (same length as `columns`)."""

    table: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]
    pk: str = "id"

    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"

    @property
    def pg_index(self) -> str:
        return f"{self.table}_fulltext"

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.weights) or not self.columns:
            raise ValueError("A full-text index needs one weight per column, and at least one column.")
        for name in (self.table, self.pk, *self.columns):
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"{name!r} is not a plain table or column name.")


def words(text: str) -> list[str]:
    """The distinct words of text, in order, as both engines will match them (at most MAX_WORDS)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > MAX_WORD_LENGTH or word.strip("_") == "":
            continue
        seen.setdefault(word, None)
        if len(seen) == MAX_WORDS:
            break
    return list(seen)


def _pg_document(index: FullTextIndex) -> str:
    # PostgreSQL weights are letters A-D; columns past the fourth share D.
    parts = []
    for position, column in enumerate(index.columns):
        letter = "ABCD"[min(position, 3)]
        parts.append(f"setweight(to_tsvector('{TEXT_CONFIG}'::regconfig, coalesce({column}, '')), '{letter}')")
    return " || ".join(parts)


def install_sql(index: FullTextIndex, vendor: str) -> list[str]:
    """The statements that create the index on a database of this vendor ('sqlite' or 'postgresql').
    They may run again safely; on SQLite the last one indexes rows already in the table."""
    if vendor == "postgresql":
        return [
            f"CREATE INDEX IF NOT EXISTS {index.pg_index} ON {index.table} USING gin (({_pg_document(index)}))",
            # ANALYZE then keeps how many rows hold each of the 10,000 commonest words, which rank() reads to leave
            # out words too common to say anything (the default keeps 1,000, too few to tell rare from common).
            f"ALTER INDEX {index.pg_index} ALTER COLUMN 1 SET STATISTICS 1000",
        ]
    if vendor != "sqlite":
        raise ValueError(f"Full-text search supports SQLite and PostgreSQL, not {vendor}.")
    # Table and column names are checked to be plain identifiers when the index is defined; no user text here.
    fts, table, pk = index.fts_table, index.table, index.pk
    columns = ", ".join(index.columns)
    new_values = ", ".join(f"new.{column}" for column in index.columns)
    old_values = ", ".join(f"old.{column}" for column in index.columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, content='{table}', content_rowid='{pk}', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.{pk}, {new_values}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.{pk}, {old_values}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.{pk}, {old_values}); "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.{pk}, {new_values}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def uninstall_sql(index: FullTextIndex, vendor: str) -> list[str]:
    """The statements that remove the index again (a migration's reverse)."""
    if vendor == "postgresql":
        return [f"DROP INDEX IF EXISTS {index.pg_index}"]
    fts = index.fts_table
    return [
        f"DROP TRIGGER IF EXISTS {fts}_ai",
        f"DROP TRIGGER IF EXISTS {fts}_ad",
        f"DROP TRIGGER IF EXISTS {fts}_au",
        f"DROP TABLE IF EXISTS {fts}",
    ]


def install(index: FullTextIndex, using_connection: object = None) -> None:
    """Create the index on the default database (or the connection given), as the migration does."""
    conn: Any = using_connection or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # CREATE INDEX, even IF NOT EXISTS, fails inside a transaction that has pending deferred checks.
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index.pg_index])
            if cursor.fetchone() is not None:
                return
        for statement in install_sql(index, conn.vendor):
            cursor.execute(statement)


def _fts5_query(terms: list[str], match: Match) -> str:
    # Each word is a quoted FTS5 string, so no word can be read as an operator or a column filter.
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" OR " if match == "any" else " AND ").join(quoted)


def _tsquery(lexemes: list[str], match: Match) -> str:
    # Lexemes as tsquery string literals: quotes and backslashes escaped, so none is read as an operator.
    quoted = ["'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes]
    return (" | " if match == "any" else " & ").join(quoted)


def _sqlite_estimates(index: FullTextIndex, terms: list[str], cursor: Any, cap: int) -> dict[str, int]:
    """How many rows contain each word, counted up to cap + 1 (beyond that, only "too many" matters)."""
    estimates: dict[str, int] = {}
    for term in terms:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {index.fts_table} WHERE {index.fts_table} MATCH %s LIMIT %s)",  # noqa: S608
            [_fts5_query([term], "any"), cap + 1],
        )
        estimates[term] = int(cursor.fetchone()[0])
    return estimates


def _pg_lexemes(index: FullTextIndex, terms: list[str], cursor: Any) -> dict[str, int]:
    """Each word's lexeme (stop words have none) and how many rows hold it, from the statistics ANALYZE keeps
    on the index's expression (0 where there are no statistics yet)."""
    cursor.execute(
        "WITH s AS (SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs "  # noqa: S608
        "FROM pg_stats WHERE tablename = %s LIMIT 1), "
        "n AS (SELECT GREATEST(reltuples, 0) AS rows FROM pg_class WHERE relname = %s LIMIT 1) "
        "SELECT DISTINCT l.lexeme, "
        "COALESCE(s.freqs[array_position(s.elems, l.lexeme)], s.freqs[array_length(s.elems, 1) + 1] / 2, 0) "
        "* COALESCE((SELECT rows FROM n), 0) "
        f"FROM unnest(%s::text[]) AS q(word) "
        f"CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('{TEXT_CONFIG}'::regconfig, q.word))) AS l(lexeme) "
        "LEFT JOIN s ON true",
        [index.pg_index, index.table, terms],
    )
    return {str(lexeme): int(rows or 0) for lexeme, rows in cursor.fetchall()}


def _chosen(estimates: dict[str, int], match: Match, budget: int) -> tuple[list[str], bool]:
    """The terms to rank on, and whether ranking stays within budget. For 'any', the rarest terms while the rows
    they reach stay within budget (a term in more rows says little about likeness); for 'all', every term."""
    if match == "all":
        return list(estimates), min(estimates.values(), default=0) <= budget
    chosen: list[str] = []
    reached = 0
    for term, rows in sorted(estimates.items(), key=lambda item: (item[1], item[0])):
        if reached + rows > budget:
            break
        chosen.append(term)
        reached += rows
    if not chosen and estimates:
        # Even the rarest word is common: rank on it alone rather than show nothing.
        chosen = [min(estimates.items(), key=lambda item: (item[1], item[0]))[0]]
    return chosen, True


def rank(
    index: FullTextIndex,
    text: str,
    *,
    within: QuerySet[Model] | None = None,
    limit: int = 10,
    match: Match = "any",
) -> list[tuple[int, float]]:
    """The primary keys of the rows best matching text, best first, with a score (higher is better), at most
    `limit`. `match` is 'any' (a row needs one of the words: for "similar to this") or 'all' (every word: for a
    search box). `within` limits the results to the rows of a queryset on the same table. No words, no rows.

    Ranking costs time per matching row, so it is kept to RANK_BUDGET rows: for 'any', words found in so many
    rows that they say little are left out, rarest first kept; for 'all', when even the rarest word is in more
    rows than that, the matches come newest first, unranked (score 0)."""
    terms = words(text)
    if not terms or limit <= 0:
        return []
    vendor = connection.vendor
    budget = RANK_BUDGET.get(vendor, 1_000)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            chosen, ranked = _chosen(_pg_lexemes(index, terms, cursor), match, budget)
            query = _tsquery(chosen, match)
        else:
            chosen, ranked = _chosen(_sqlite_estimates(index, terms, cursor, budget), match, budget)
            query = _fts5_query(chosen, match)
        if not chosen:
            return []
        # Candidates are filtered by `within` afterwards, asking for more while too many are filtered out: a
        # filter inside the ranking query would make the database read the whole table on every lookup.
        asked = limit if within is None else limit * 2 + 10
        while True:
            cursor.execute(_rank_sql(index, vendor, ranked), (query, asked))
            rows = [(int(row[0]), float(row[1])) for row in cursor.fetchall()]
            if within is None:
                return rows
            allowed = set(within.filter(pk__in=[pk for pk, _ in rows]).values_list("pk", flat=True))
            kept = [row for row in rows if row[0] in allowed]
            if len(kept) >= limit or len(rows) < asked:
                return kept[:limit]
            asked *= 4


def _rank_sql(index: FullTextIndex, vendor: str, ranked: bool) -> str:
    order = "score DESC, " if ranked else ""
    if vendor == "postgresql":
        document = _pg_document(index)
        score = f"ts_rank({document}, q)" if ranked else "0"
        return (
            f"SELECT t.{index.pk}, {score} AS score FROM {index.table} t, CAST(%s AS tsquery) q "  # noqa: S608
            f"WHERE ({document}) @@ q ORDER BY {order}t.{index.pk} DESC LIMIT %s"
        )
    weights = ", ".join(str(weight) for weight in index.weights)
    # bm25() is lower for better matches; negate it so both engines say "higher is better".
    score = f"-bm25({index.fts_table}, {weights})" if ranked else "0"
    return (
        f"SELECT rowid, {score} AS score FROM {index.fts_table} "  # noqa: S608
        f"WHERE {index.fts_table} MATCH %s ORDER BY {order}rowid DESC LIMIT %s"
    )
