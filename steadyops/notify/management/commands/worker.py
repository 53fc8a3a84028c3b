"""`steadyops worker`: deliver notifications and run background tasks, in one process."""

from __future__ import annotations

import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from steadyops.core.memory import freeze_loaded_code
from steadyops.notify import worker


def _default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Command(BaseCommand):
    help = "Deliver notifications from the outbox and run scheduled tasks until stopped (SIGTERM or Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="", help="Name shown in heartbeats and leases (default: host-pid).")
        parser.add_argument("--once", action="store_true", help="Deliver what is due now, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = (options["name"] or _default_name()).strip()[:80]
        if options["once"]:
            delivered = worker.deliver_due(name)
            self.stdout.write(f"Delivered {delivered} notification(s).")
            return

        stop_event = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            worker.stop(stop_event)

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        consumer = _start_huey_consumer()
        freeze_loaded_code(pages=False)
        try:
            worker.run_worker(name, stop_event)
        finally:
            # Lets a running task finish; Huey's own records of it are not durable anyway.
            consumer.stop(graceful=True)
        self.stdout.write(f"Worker {name} stopped.")


def _start_huey_consumer() -> Any:
    """Start Huey's workers and scheduler as threads of this process, leaving signals to this command."""
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.consumer import Consumer
    from huey.consumer_options import ConsumerConfig
    from huey.contrib.djhuey import HUEY

    class InProcessConsumer(Consumer):  # type: ignore[misc]
        def _set_signal_handlers(self) -> None:
            # The command handles SIGTERM and SIGINT and stops the consumer itself.
            pass

    # Every app's tasks.py registers its tasks and periodic tasks with Huey on import.
    autodiscover_modules("tasks")
    huey_settings: Any = settings.HUEY
    configured: dict[str, Any] = dict(huey_settings.get("consumer", {})) if isinstance(huey_settings, dict) else {}
    config = ConsumerConfig(**{**configured, "worker_type": "thread"})
    config.validate()
    consumer = InProcessConsumer(HUEY, **config.values)
    consumer.start()
    return consumer
