"""Fixtures for the demand tests: a real Prometheus, loaded with history through promtool."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from steadyops.testing.servers import HOST, free_port, wait_until

PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def prometheus_with(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Start Debian's Prometheus on 127.0.0.1 holding the samples of an OpenMetrics text; returns its base URL.

    The samples are written into blocks with `promtool tsdb create-blocks-from openmetrics`, as a backfill would.
    """
    if not PROMETHEUS.exists() or not PROMTOOL.exists():
        pytest.skip("Debian's prometheus package is not installed")
    processes: list[subprocess.Popen[bytes]] = []

    def start(openmetrics: str) -> str:
        data = tmp_path / "tsdb"
        source = tmp_path / "history.om"
        source.write_text(openmetrics)
        subprocess.run(
            [str(PROMTOOL), "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        config = tmp_path / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
        port = free_port()
        log = (tmp_path / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address={HOST}:{port}",
                "--storage.tsdb.retention.time=100y",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        url = f"http://{HOST}:{port}"
        if not wait_until(lambda: _ready(url) or process.poll() is not None, timeout=60, interval=0.2) or (
            process.poll() is not None
        ):
            raise RuntimeError(f"Prometheus did not start: {(tmp_path / 'prometheus.log').read_text()[-2000:]}")
        return url

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
