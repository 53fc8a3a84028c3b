"""Huey tasks of the notification outbox. Huey only wakes workers; the outbox rows are the durable record."""

import threading

from huey.contrib.djhuey import task

# Set by wake_workers; the worker's delivery loop waits on it between polls.
outbox_wakeup = threading.Event()


@task()
def wake_workers() -> None:
    outbox_wakeup.set()
