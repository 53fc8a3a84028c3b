"""`steadyops serve`: the web application behind a production WSGI server."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steadyops.core import serving


def port_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a port number; use a whole number from 1 to 65535"
        ) from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port number; use a whole number from 1 to 65535")
    return number


def worker_count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= serving.MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{number} is out of range; use 1 to {serving.MAX_WORKERS} web processes")
    return number


def add_address_arguments(parser: CommandParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=port_number, default=8000, help="Port to listen on (default 8000).")


def refuse_debug() -> None:
    if settings.DEBUG:
        raise CommandError(
            "steadyops will not serve with debugging turned on: it shows internals to every visitor. "
            "Unset STEADYOPS_DEBUG (or set it to false) and start again."
        )


class Command(BaseCommand):
    help = "Serve steadyops with a production web server (gunicorn or granian)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_address_arguments(parser)
        parser.add_argument(
            "--workers",
            type=worker_count,
            default=serving.DEFAULT_WORKERS,
            help=f"Web processes (default {serving.DEFAULT_WORKERS}).",
        )
        parser.add_argument(
            "--server",
            choices=serving.SERVERS,
            default=serving.DEFAULT_SERVER,
            help=f"Web server to run (default {serving.DEFAULT_SERVER}).",
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, server: str, **options: Any) -> None:
        refuse_debug()
        self.stdout.write(f"Starting {server} with {workers} web processes on http://{host}:{port}/")
        self.stdout.flush()
        serving.serve(host=host, port=port, workers=workers, server=server)
