"""The worker groups one run at a time per process: a task that finds a grouping under way asks it for one more
pass and returns at once, so two worker threads never work out the same batch."""

from __future__ import annotations

import threading

import pytest

from steadyops.incidents import grouping_services, intake_tasks


def test_a_call_during_a_grouping_gets_one_more_pass_from_it(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[str] = []
    under_way = threading.Event()
    finish = threading.Event()

    def group_pending() -> int:
        passes.append(threading.current_thread().name)
        if len(passes) == 1:
            under_way.set()
            assert finish.wait(10)
        return 3

    monkeypatch.setattr(grouping_services, "group_pending", group_pending)
    results: dict[str, int] = {}
    first = threading.Thread(target=lambda: results.update(first=intake_tasks.group_in_turn()), name="first")
    first.start()
    assert under_way.wait(10)
    results["second"] = intake_tasks.group_in_turn()
    finish.set()
    first.join(10)
    assert results == {"first": 6, "second": 0}
    assert passes == ["first", "first"]


def test_calls_one_after_another_each_group(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = iter([5, 7])
    monkeypatch.setattr(grouping_services, "group_pending", lambda: next(counts))
    assert [intake_tasks.group_in_turn(), intake_tasks.group_in_turn()] == [5, 7]
