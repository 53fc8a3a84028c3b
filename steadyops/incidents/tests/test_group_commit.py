"""The group-commit writer: items handed over while a batch is written go together in the next batch, each caller
gets its own result, and a caller is never left waiting without an answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from steadyops.incidents.group_commit import GroupCommit, Pending, WriterTimeout


class Recorder:
    """A write_batch that records each batch and answers every item doubled; the first batch waits for a gate."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first_started = threading.Event()
        self.gate = threading.Event()

    def __call__(self, batch: list[Pending[int, int]]) -> None:
        self.batches.append([pending.item for pending in batch])
        if len(self.batches) == 1:
            self.first_started.set()
            self.gate.wait(10)
        for pending in batch:
            pending.result = pending.item * 2


def submit_in_thread(writer: GroupCommit[int, int], item: int, results: dict[int, object]) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.__setitem__(item, writer.submit(item, timeout=10)))
    thread.start()
    return thread


def test_items_arriving_while_a_batch_is_written_go_together_in_the_next_batch() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=100, window_seconds=0)
    results: dict[int, object] = {}
    first = submit_in_thread(writer, 1, results)
    assert recorder.first_started.wait(10)
    waiting = [submit_in_thread(writer, n, results) for n in (2, 3, 4)]
    # The three are queued behind the batch being written; none is answered before its own batch is written.
    for thread in waiting:
        thread.join(0.05)
        assert thread.is_alive()
    recorder.gate.set()
    for thread in [first, *waiting]:
        thread.join(10)
    assert recorder.batches[0] == [1]
    assert sorted(recorder.batches[1]) == [2, 3, 4]
    assert results == {1: 2, 2: 4, 3: 6, 4: 8}


def test_a_batch_takes_at_most_batch_max_items() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=2, window_seconds=0)
    results: dict[int, object] = {}
    first = submit_in_thread(writer, 1, results)
    assert recorder.first_started.wait(10)
    waiting = [submit_in_thread(writer, n, results) for n in (2, 3, 4, 5, 6)]
    while len(writer._queue) < 5:
        threading.Event().wait(0.01)
    recorder.gate.set()
    for thread in [first, *waiting]:
        thread.join(10)
    assert [len(batch) for batch in recorder.batches] == [1, 2, 2, 1]
    assert results == {n: n * 2 for n in range(1, 7)}


def test_a_caller_whose_batch_is_not_written_in_time_is_told_so() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=10, window_seconds=0)
    results: dict[int, object] = {}
    first = submit_in_thread(writer, 1, results)
    assert recorder.first_started.wait(10)
    with pytest.raises(WriterTimeout, match=r"test-writer did not take it within 0\.2 seconds; nothing was written"):
        writer.submit(2, timeout=0.2)
    recorder.gate.set()
    first.join(10)
    assert results == {1: 2}
    # The item that timed out was taken back: it is never written afterwards.
    assert writer.submit(3, timeout=10) == 6
    assert recorder.batches == [[1], [3]]


def test_a_caller_whose_item_is_being_written_waits_for_that_batch() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=10, window_seconds=0)
    threading.Timer(0.3, recorder.gate.set).start()
    assert writer.submit(1, timeout=0.1) == 2
    assert recorder.batches == [[1]]


def test_a_batch_that_raises_answers_each_caller_with_the_failure_and_the_writer_goes_on() -> None:
    calls: list[list[int]] = []

    def broken_once(batch: list[Pending[int, int]]) -> None:
        calls.append([pending.item for pending in batch])
        if len(calls) == 1:
            raise RuntimeError("disk full")
        for pending in batch:
            pending.result = pending.item

    writer: GroupCommit[int, int] = GroupCommit("test-writer", broken_once, batch_max=10, window_seconds=0)
    failed = writer.submit(1, timeout=10)
    assert isinstance(failed, RuntimeError)
    assert str(failed) == "disk full"
    assert writer.submit(2, timeout=10) == 2
    assert calls == [[1], [2]]


class Timed:
    """A write_batch that records each batch and when it was written; the first batch waits for a gate."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[int], float]] = []
        self.gate = threading.Event()
        self.first_started = threading.Event()

    def __call__(self, batch: list[Pending[int, int]]) -> None:
        self.batches.append(([pending.item for pending in batch], time.monotonic()))
        if len(self.batches) == 1:
            self.first_started.set()
            self.gate.wait(10)
        for pending in batch:
            pending.result = pending.item


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the writer did not get there"
        time.sleep(0.001)


def under_load(writer: GroupCommit[int, int], recorder: Timed, callers: list[threading.Thread]) -> None:
    """Bring the writer under load: a first batch held at the gate while the callers queue their first items, so
    that those are written together and the batch after them gathers."""
    first = threading.Thread(target=writer.submit, args=(1,), kwargs={"timeout": 10})
    first.start()
    assert recorder.first_started.wait(10)
    for thread in callers:
        thread.start()
    wait_until(lambda: len(writer._queue) == len(callers))
    recorder.gate.set()
    first.join(10)


def test_a_batch_under_load_is_written_as_soon_as_every_caller_is_waiting() -> None:
    recorder = Timed()
    # A window far longer than the test: only the early end can write the gathered batch in time.
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=100, window_seconds=60)
    second_round = threading.Event()
    results: dict[int, object] = {}

    def caller(item: int) -> None:
        results[item] = writer.submit(item, timeout=10)
        second_round.wait(10)
        results[item + 100] = writer.submit(item + 100, timeout=10)

    threads = [threading.Thread(target=caller, args=(item,)) for item in (2, 3)]
    under_load(writer, recorder, threads)
    wait_until(lambda: len(results) == 2)
    second_round.set()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert [sorted(items) for items, _ in recorder.batches] == [[1], [2, 3], [102, 103]]
    assert results == {2: 2, 3: 3, 102: 102, 103: 103}


def test_a_batch_under_load_waits_the_window_for_a_caller_still_at_work() -> None:
    recorder = Timed()
    writer: GroupCommit[int, int] = GroupCommit("test-writer", recorder, batch_max=100, window_seconds=0.3)
    second_round = threading.Event()
    busy_caller_done = threading.Event()
    results: dict[int, object] = {}
    submitted_at: dict[int, float] = {}

    def caller(item: int) -> None:
        results[item] = writer.submit(item, timeout=10)
        second_round.wait(10)
        submitted_at[item + 100] = time.monotonic()
        results[item + 100] = writer.submit(item + 100, timeout=10)

    def busy_caller() -> None:
        # Submits once, then stays alive doing something else: the writer cannot know it will not submit again.
        results[4] = writer.submit(4, timeout=10)
        busy_caller_done.wait(10)

    threads = [threading.Thread(target=caller, args=(item,)) for item in (2, 3)]
    busy = threading.Thread(target=busy_caller)
    under_load(writer, recorder, [*threads, busy])
    wait_until(lambda: len(results) == 3)
    second_round.set()
    for thread in threads:
        thread.join(10)
    busy_caller_done.set()
    busy.join(10)
    assert [sorted(items) for items, _ in recorder.batches] == [[1], [2, 3, 4], [102, 103]]
    # The last batch was written a whole window after its first item arrived, not before.
    assert recorder.batches[2][1] - min(submitted_at.values()) >= 0.3
    assert results == {2: 2, 3: 3, 4: 4, 102: 102, 103: 103}
