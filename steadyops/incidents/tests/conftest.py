"""Fixtures of the incidents tests: services to report on, alert tokens, and a real Alertmanager."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from steadyops.accounts import services as account_services
from steadyops.catalog import services as catalog_services
from steadyops.catalog.models import Service
from steadyops.core.actor import Actor
from steadyops.testing.personas import Personas

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


@pytest.fixture
def checkout(personas: Personas) -> Service:
    return catalog_services.create_service(
        actor=Actor(user=personas.admin), name="Checkout", slug="checkout", owner=personas.team_b
    )


@pytest.fixture
def alerts_token(personas: Personas) -> str:
    """An operator's token that may only send alerts."""
    _, raw = account_services.create_token(
        actor=Actor(user=personas.operator_a), user=personas.operator_a, name="alertmanager", scopes=["alerts"]
    )
    return raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], attempts: int = 200) -> None:
    for _ in range(attempts):
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class RealAlertmanager:
    """Debian's prometheus-alertmanager, started with a config written for the test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.cluster_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, config: str) -> None:
        (self.workdir / "alertmanager.yml").write_text(config)
        log = (self.workdir / "alertmanager.log").open("wb")
        self.process = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={self.workdir / 'alertmanager.yml'}",
                f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                # A lone instance: no gossip with other Alertmanagers.
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(self.workdir)},
        )
        wait_for_port(self.port, self.process)

    def log(self) -> str:
        path = self.workdir / "alertmanager.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def real_alertmanager(tmp_path: Path) -> Iterator[RealAlertmanager]:
    if shutil.which(ALERTMANAGER) is None:
        pytest.skip("Debian's prometheus-alertmanager is not installed")
    manager = RealAlertmanager(tmp_path)
    try:
        yield manager
    finally:
        manager.stop()
