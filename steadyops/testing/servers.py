"""Real servers for tests: an SMTP server and a webhook receiver, started on loopback for the test.

Both keep their port across stop() and start(), so a test can take a receiver down, let a delivery
fail, bring it back and watch the retry arrive at the same address.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll condition until it holds or timeout seconds pass; returns whether it held. Bounded in time and count."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 1):
        if condition():
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return condition()


# --- SMTP ---------------------------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _CollectingHandler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: object, session: object, envelope: object) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        with self.server.lock:
            self.server.messages.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[attr-defined,arg-type]
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # aiosmtpd tells of every connection at INFO, from its own thread, also after the test that opened it ended
        # and its captured output was closed; only its warnings and errors are worth a line.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = Controller(_CollectingHandler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict[str, object]:
        """Django settings that send mail to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def env(self) -> dict[str, str]:
        """Environment variables that point a steadyops process at this server."""
        return {
            "STEADYOPS_EMAIL_HOST": self.host,
            "STEADYOPS_EMAIL_PORT": str(self.port),
            "STEADYOPS_EMAIL_USE_TLS": "false",
            "STEADYOPS_EMAIL_USE_SSL": "false",
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (a free port) collecting messages; stop() and start() keep the port."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- Webhook receiver ---------------------------------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None

    def json(self) -> object:
        import json

        return json.loads(self.body)


@dataclass
class _Behaviour:
    status: int = 200
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    hang: int = 0


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 recording each request; it can answer errors, be slow, or hang.

    Requests are recorded when they arrive, before any delay, so a test sees requests a client gave up on.
    """

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.requests: list[ReceivedRequest] = []
        self.lock = threading.Lock()
        self.behaviour = _Behaviour()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    @property
    def running(self) -> bool:
        return self._server is not None

    def answer(self, status: int) -> None:
        """Answer every later request with status."""
        with self.lock:
            self.behaviour.status = status
            self.behaviour.statuses = []

    def answer_sequence(self, *statuses: int) -> None:
        """Answer the next requests with these statuses in turn, then with the usual status."""
        with self.lock:
            self.behaviour.statuses = list(statuses)

    def slow(self, seconds: float) -> None:
        """Wait this long before answering each later request."""
        with self.lock:
            self.behaviour.delay = seconds

    def hang_next(self, count: int = 1) -> None:
        """Hold the next count requests open until release() or stop()."""
        with self.lock:
            self.behaviour.hang = count
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def snapshot(self) -> list[ReceivedRequest]:
        with self.lock:
            return list(self.requests)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = ReceivedRequest("POST", self.path, dict(self.headers.items()), body)
                with receiver.lock:
                    receiver.requests.append(received)
                    behaviour = receiver.behaviour
                    hang = behaviour.hang > 0
                    if hang:
                        behaviour.hang -= 1
                    status = behaviour.statuses.pop(0) if behaviour.statuses else behaviour.status
                    delay = behaviour.delay
                if hang:
                    receiver._release.wait(timeout=120)
                if delay:
                    time.sleep(delay)
                reply = b'{"ok": true}' if 200 <= status < 300 else b'{"ok": false}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply)
                    received.answered = status
                except OSError:
                    # The client gave up (a timeout, or a killed worker); nothing was acknowledged.
                    pass
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def start(self) -> None:
        if self._server is not None:
            return
        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer((self.host, self.port), self._handler())
        server.daemon_threads = True
        self._release.clear()
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is None:
            return
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP server on 127.0.0.1 recording requests; answer()/slow()/hang_next()/stop()/start() change it."""
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
