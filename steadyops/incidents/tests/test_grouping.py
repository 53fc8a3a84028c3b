"""grouping.py: which signal an item joins, and when a signal pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from steadyops.incidents import grouping
from steadyops.incidents.grouping import Candidate, Item

T0 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
word = st.text(alphabet="abcdefghij", min_size=2, max_size=6)
word_sets = st.frozensets(word, max_size=12)
minutes = st.integers(min_value=-120, max_value=120)
service_ids = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
areas = st.sampled_from(["", "checkout", "Checkout ", "sign-in"])
candidates = st.lists(
    st.builds(
        Candidate,
        id=st.integers(min_value=1, max_value=10_000),
        last_seen_at=minutes.map(lambda m: T0 + timedelta(minutes=m)),
        keywords=word_sets,
        service_id=service_ids,
        product_area=areas,
        group_key=st.sampled_from(["", "g1", "g2"]),
    ),
    max_size=8,
    unique_by=lambda c: c.id,
)
items = st.builds(
    Item,
    at=st.just(T0),
    text=st.lists(word, max_size=8).map(" ".join),
    service_id=service_ids,
    product_area=areas,
    group_key=st.sampled_from(["", "g1", "g3"]),
)


def test_it_folds_case_accents_plurals_and_drops_stopwords() -> None:
    assert grouping.words("The CHECKOUT pages are Broken: Paiements échoués!") == frozenset(
        {"checkout", "paiement", "echoue"}
    )


def test_it_joins_by_service_then_area_then_words() -> None:
    by_service = Candidate(id=1, last_seen_at=T0, service_id=7)
    by_area = Candidate(id=2, last_seen_at=T0, product_area="Checkout")
    by_words = Candidate(id=3, last_seen_at=T0, keywords=frozenset({"credit", "card", "pay"}))
    every = [by_service, by_area, by_words]
    assert grouping.choose(Item(at=T0, service_id=7), every) == 1
    assert grouping.choose(Item(at=T0, product_area=" checkout"), every) == 2
    assert grouping.choose(Item(at=T0, text="cannot pay by credit card"), every) == 3
    assert grouping.choose(Item(at=T0, text="newsletter images"), every) is None


def test_it_starts_a_new_signal_after_the_window() -> None:
    old = Candidate(id=1, last_seen_at=T0 - timedelta(minutes=31), service_id=7)
    assert grouping.choose(Item(at=T0, service_id=7), [old]) is None
    assert grouping.choose(Item(at=T0, service_id=7), [old], window=timedelta(hours=1)) == 1


def test_it_keeps_an_alert_group_together() -> None:
    group = Candidate(id=5, last_seen_at=T0 - timedelta(minutes=1), group_key="g", service_id=1)
    other = Candidate(id=6, last_seen_at=T0, service_id=2)
    assert grouping.choose(Item(at=T0, group_key="g", service_id=2), [group, other]) == 5


@given(items, candidates)
def test_the_chosen_signal_is_recent_and_never_about_another_service(item: Item, found: list[Candidate]) -> None:
    chosen = grouping.choose(item, found)
    if chosen is None:
        return
    signal = next(c for c in found if c.id == chosen)
    assert abs(item.at - signal.last_seen_at) <= grouping.WINDOW
    if signal.group_key != item.group_key or not item.group_key:
        assert not (item.service_id and signal.service_id and item.service_id != signal.service_id)


@given(items, candidates)
def test_choice_does_not_depend_on_the_order_of_signals(item: Item, found: list[Candidate]) -> None:
    assert grouping.choose(item, found) == grouping.choose(item, list(reversed(found)))


@given(word_sets, word_sets)
def test_similarity_is_symmetric_and_between_zero_and_one(a: frozenset[str], b: frozenset[str]) -> None:
    score = grouping.similarity(a, b)
    assert score == grouping.similarity(b, a)
    assert 0.0 <= score <= 1.0
    if a and a == b:
        assert score == 1.0


@given(word_sets, word_sets)
def test_merged_keywords_fit_and_keep_the_old_ones(a: frozenset[str], b: frozenset[str]) -> None:
    merged = grouping.merge_keywords(a, b, limit=40)
    assert a <= merged <= a | b
    if len(grouping.keywords_text(a)) <= 40:
        assert len(grouping.keywords_text(merged)) <= 40
    assert grouping.parse_keywords(grouping.keywords_text(merged)) == merged


def test_three_reports_within_ten_minutes_cross_the_threshold() -> None:
    times = [T0, T0 + timedelta(minutes=4), T0 + timedelta(minutes=10)]
    assert grouping.crosses_threshold(times, count=3, minutes=10)
    spread = [T0, T0 + timedelta(minutes=6), T0 + timedelta(minutes=12)]
    assert not grouping.crosses_threshold(spread, count=3, minutes=10)
    assert grouping.crosses_threshold([], critical=True)
    assert not grouping.crosses_threshold(times[:2], count=3, minutes=10)


@given(st.lists(minutes.map(lambda m: T0 + timedelta(minutes=m)), max_size=12), st.integers(1, 5), st.integers(1, 30))
def test_the_threshold_matches_counting_every_window(times: list[datetime], count: int, span: int) -> None:
    expected = any(
        sum(1 for other in times if start <= other <= start + timedelta(minutes=span)) >= count for start in times
    )
    assert grouping.crosses_threshold(times, count=count, minutes=span) == expected


@given(st.lists(minutes.map(lambda m: T0 + timedelta(minutes=m)), max_size=12))
def test_more_reports_never_uncross_the_threshold(times: list[datetime]) -> None:
    if grouping.crosses_threshold(times[:-1]):
        assert grouping.crosses_threshold(times)
