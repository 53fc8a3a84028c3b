"""Similar past decisions and the full-text interface under them, on whichever database the tests run on."""

from __future__ import annotations

import pytest
from django.db import connection

from steadyops.consensus import decision_services as services
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import DECISION_INDEX, install_search_index, search_decisions, similar_decisions
from steadyops.core import search
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas


@pytest.fixture(autouse=True)
def _search_index(db: None) -> None:
    install_search_index()


def _make(personas: Personas, title: str, **kwargs: object) -> Decision:
    return services.create_decision(actor=Actor(user=personas.operator_a), title=title, **kwargs)  # type: ignore[arg-type]


def _titles(decisions: list[Decision]) -> list[str]:
    return [decision.title for decision in decisions]


def test_it_ranks_a_title_match_above_a_context_match(personas: Personas) -> None:
    _make(personas, "Adopt a weekly on-call rotation", context_and_problem="Pages at night.")
    _make(personas, "Move logs to object storage", context_and_problem="The database for logs is full.")
    _make(personas, "Use PostgreSQL for the billing database", decision_outcome="PostgreSQL.")
    found = similar_decisions("Which database should billing use?")
    assert _titles(found) == ["Use PostgreSQL for the billing database", "Move logs to object storage"]


def test_it_matches_word_forms(personas: Personas) -> None:
    _make(personas, "Deploying on Fridays is allowed")
    assert _titles(similar_decisions("should we deploy on a friday")) == ["Deploying on Fridays is allowed"]


def test_it_looks_at_title_context_and_outcome_only(personas: Personas) -> None:
    _make(personas, "Something", consequences="kubernetes everywhere", decision_drivers="kubernetes")
    _make(personas, "Other", decision_outcome="We chose kubernetes")
    assert _titles(similar_decisions("kubernetes")) == ["Other"]


def test_it_leaves_out_withdrawn_records_and_the_record_itself(personas: Personas) -> None:
    kept = _make(personas, "Cache product pages")
    gone = _make(personas, "Cache product pages in the CDN")
    services.withdraw_decision(actor=Actor(user=personas.operator_a), decision=gone)
    assert _titles(similar_decisions("cache product pages")) == ["Cache product pages"]
    assert similar_decisions("cache product pages", exclude_id=kept.pk) == []


def test_it_follows_changes_and_respects_the_limit(personas: Personas) -> None:
    decision = _make(personas, "Alpha decision")
    for index in range(8):
        _make(personas, f"Gamma choice {index}")
    services.update_decision(
        actor=Actor(user=personas.operator_a),
        decision=decision,
        title="Beta decision",
        status="proposed",
        date=None,
        team=None,
    )
    assert similar_decisions("alpha") == []
    assert _titles(similar_decisions("beta")) == ["Beta decision"]
    assert len(similar_decisions("gamma choice", limit=3)) == 3
    assert len(similar_decisions("gamma choice", limit=500)) == 8


@pytest.mark.parametrize("text", ["", "   ", "!!! ??? ...", '"', "NEAR(a b)", "title:x", "a* OR b", "AND", "é"])
def test_it_never_fails_on_odd_text(personas: Personas, text: str) -> None:
    _make(personas, "Something about AND and OR")
    assert isinstance(similar_decisions(text), list)
    assert isinstance(search_decisions(text), list)


def test_it_searches_with_every_word(personas: Personas) -> None:
    both = _make(personas, "Billing on PostgreSQL")
    _make(personas, "Billing on MongoDB")
    assert search_decisions("postgresql billing") == [both.pk]
    assert search_decisions("") == []


def test_it_cuts_text_into_a_bounded_number_of_words() -> None:
    assert search.words("Hello, hello WORLD! x_y __ " + "a" * 65) == ["hello", "world", "x_y"]
    assert len(search.words(" ".join(f"w{i}" for i in range(100)))) == search.MAX_WORDS


def test_it_gives_the_exact_statements_for_each_database() -> None:
    sqlite = search.install_sql(DECISION_INDEX, "sqlite")
    assert sqlite[0].startswith("CREATE VIRTUAL TABLE IF NOT EXISTS consensus_decision_fts USING fts5(")
    assert len(sqlite) == 5
    postgres = search.install_sql(DECISION_INDEX, "postgresql")
    assert postgres[0].startswith(
        "CREATE INDEX IF NOT EXISTS consensus_decision_fulltext ON consensus_decision USING gin"
    )
    with pytest.raises(ValueError, match="plain table or column name"):
        search.FullTextIndex(table="x; drop table y", columns=("a",), weights=(1.0,))
    with pytest.raises(ValueError, match="supports SQLite and PostgreSQL"):
        search.install_sql(DECISION_INDEX, "mysql")


def test_it_installs_twice_without_harm(personas: Personas) -> None:
    _make(personas, "Idempotent install")
    install_search_index()
    assert _titles(similar_decisions("idempotent")) == ["Idempotent install"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_it_uses_the_expression_index_on_postgresql(personas: Personas) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'consensus_decision_fulltext'")
        row = cursor.fetchone()
    assert row is not None
    assert "to_tsvector('english'::regconfig" in row[0]


def test_it_ranks_on_the_rarer_words_when_a_word_is_everywhere(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(6):
        _make(personas, f"Common practice number{index}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consensus_decision")
    monkeypatch.setitem(search.RANK_BUDGET, connection.vendor, 3)
    assert _titles(similar_decisions("common practice number4")) == ["Common practice number4"]
    # Every word common: ranked on the rarest alone rather than nothing.
    assert len(similar_decisions("common practice")) == 5


def test_it_lists_newest_first_when_every_searched_word_is_everywhere(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [_make(personas, f"Common practice {index}") for index in range(6)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consensus_decision")
    monkeypatch.setitem(search.RANK_BUDGET, connection.vendor, 3)
    assert search_decisions("common practice") == [decision.pk for decision in reversed(made)]
    assert search.rank(DECISION_INDEX, "common", limit=2, match="all") == [(made[5].pk, 0.0), (made[4].pk, 0.0)]


def test_it_keeps_asking_while_the_filter_leaves_out_too_many(personas: Personas) -> None:
    made = [_make(personas, f"Release train {index}") for index in range(30)]
    for decision in made[5:]:
        services.withdraw_decision(actor=Actor(user=personas.operator_a), decision=decision)
    found = similar_decisions("release train", limit=5)
    assert sorted(decision.pk for decision in found) == sorted(decision.pk for decision in made[:5])
