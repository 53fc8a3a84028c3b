"""Group commit: one writer thread per web process, which writes what request threads hand it in batches.

A request thread hands over its item and waits; the writer takes everything queued, writes it in one transaction
and answers each item once that transaction has committed. At rest an item is written at once. Under load (the
last batch held more than one item) the writer first waits a short window, while the process's other request
threads finish checking theirs, so that one commit (one fsync) serves many requests. The window ends early once
every thread that hands items to this writer is waiting on it: nobody is left to join, and waiting longer would
only leave the process idle. The database sees one writer per process, not one per thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import close_old_connections

log = logging.getLogger("steadyops.incidents.intake")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False)
class Pending(Generic[T, R]):
    """An item waiting for its batch; the writer sets result (an answer or an exception) and releases done."""

    item: T
    result: R | BaseException | None = None
    done: threading.Lock = field(default_factory=threading.Lock)


class WriterTimeout(Exception):
    """The writer did not take the item within the wait; the item was taken back and nothing of it was written."""


class GroupCommit(Generic[T, R]):
    """write_batch(batch) writes the items of batch together and sets each Pending's result (an exception it
    raises becomes the result of every item it left unanswered)."""

    def __init__(
        self, name: str, write_batch: Callable[[list[Pending[T, R]]], None], *, batch_max: int, window_seconds: float
    ) -> None:
        self._name = name
        self._write_batch = write_batch
        self._batch_max = batch_max
        self._window = window_seconds
        self._last_batch = 0
        self._ready = threading.Condition(threading.Lock())
        self._queue: list[Pending[T, R]] = []
        # The writer waits on _ready (idle, or gathering a batch): a new item must wake it.
        self._waiting = False
        # The threads that have handed items over (the web process's request threads, learned as they come).
        self._callers: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, item: T, *, timeout: float) -> R | BaseException | None:
        """Queue item and wait until its batch is written; the result the writer gave it."""
        pending: Pending[T, R] = Pending(item)
        pending.done.acquire()
        with self._ready:
            # A forked web process inherits the object but not the thread: start its own.
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._start()
            self._queue.append(pending)
            self._callers.add(threading.current_thread())
            if self._waiting:
                self._ready.notify()
        if not pending.done.acquire(timeout=timeout):
            with self._ready:
                if pending in self._queue:
                    # Still waiting its turn: take it back, so that "not written" is true when the caller says so.
                    self._queue.remove(pending)
                    raise WriterTimeout(
                        f"the {self._name} did not take it within {timeout:g} seconds; nothing was written"
                    )
            # Already in the batch being written: its answer comes when that batch ends, whichever way it ends.
            pending.done.acquire()
        return pending.result

    def _start(self) -> None:
        self._pid = os.getpid()
        self._queue = []
        self._waiting = False
        self._callers = weakref.WeakSet()
        self._thread = threading.Thread(target=self._run, name=f"steadyops-{self._name}", daemon=True)
        self._thread.start()

    def _take(self) -> list[Pending[T, R]]:
        with self._ready:
            while not self._queue:
                self._waiting = True
                self._ready.wait()
            self._waiting = False
        if self._last_batch > 1:
            # Requests arrive faster than commits complete: let the ones being checked join this batch.
            self._gather()
        with self._ready:
            batch = self._queue[: self._batch_max]
            del self._queue[: self._batch_max]
        self._last_batch = len(batch)
        return batch

    def _gather(self) -> None:
        """Wait up to the window for more items, but not once every caller thread still alive has one queued."""
        deadline = time.monotonic() + self._window
        with self._ready:
            self._waiting = True
            try:
                while len(self._queue) < min(self._batch_max, sum(1 for t in self._callers if t.is_alive())):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return
                    self._ready.wait(left)
            finally:
                self._waiting = False

    def _run(self) -> None:
        while True:
            batch = self._take()
            try:
                self._write_batch(batch)
            except Exception as failure:
                # The writer must outlive any one batch: each caller still unanswered gets the failure.
                log.exception("the %s could not write a batch of %d", self._name, len(batch))
                for pending in batch:
                    if pending.result is None:
                        pending.result = failure
            finally:
                for pending in batch:
                    pending.done.release()
                # This thread outlives requests: drop a connection that broke or grew too old, as a request would.
                close_old_connections()
