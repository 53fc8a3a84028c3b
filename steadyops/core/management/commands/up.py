"""`steadyops up` (what `make run` calls): prepare the database, then run the web server and a worker together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.accounts.models import User
from steadyops.core import demo, serving
from steadyops.core.management.commands.demo import login_lines
from steadyops.core.management.commands.serve import add_address_arguments, refuse_debug

STOP_GRACE_SECONDS = 30


def _console(*args: str) -> list[str]:
    return [sys.executable, "-m", "steadyops.cli", *args]


class Command(BaseCommand):
    help = "Prepare the database (and the demo on first start), then run the web server and a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        add_address_arguments(parser)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        refuse_debug()
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        serving.collect_static()
        if not User.objects.exists():
            self.stdout.write("First start: loading the demo organisation…")
            demo.load()

        stopping: list[int] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            # This same Python and steadyops, with arguments already validated; no shell.
            processes["web server"] = subprocess.Popen(_console("serve", "--host", host, "--port", str(port)))  # noqa: S603
            processes["worker"] = subprocess.Popen(_console("worker"))  # noqa: S603
            web = processes["web server"]
            if serving.wait_until_listening(
                "127.0.0.1" if host in ("0.0.0.0", "::") else host,  # noqa: S104 - a comparison, not a bind
                port,
                attempts=600,
                alive=lambda: web.poll() is None and not stopping,
            ):
                self._announce(host, port)
            failed = self._supervise(processes, stopping)
        finally:
            self._stop_all(processes)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(f"The {failed} stopped unexpectedly, so steadyops stopped too; see the messages above.")
        self.stdout.write("steadyops stopped.")

    def _announce(self, host: str, port: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"steadyops is running at http://{shown}:{port}/  (Ctrl-C stops it)")
        for line in login_lines():
            self.stdout.write(line)
        self.stdout.flush()

    def _supervise(self, processes: dict[str, subprocess.Popen[bytes]], stopping: list[int]) -> str:
        """Wait for a stop signal or for a process to end; return the name of one that ended on its own."""
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    return name
            time.sleep(0.2)
        return ""

    def _stop_all(self, processes: dict[str, subprocess.Popen[bytes]]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
