import re
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from steadyops.core.models import WorkerHeartbeat
from steadyops.core.tests.test_cli_serve import run_cli


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_lines(capsys) -> dict[str, str]:
    out = capsys.readouterr().out
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line and not line.startswith("System"))


def test_it_describes_the_default_configuration(db, settings, capsys, monkeypatch):
    monkeypatch.delenv("STEADYOPS_SECRET_KEY", raising=False)
    monkeypatch.delenv("STEADYOPS_SECRET_KEY_FILE", raising=False)
    settings.EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = settings.DATA_DIR / "mail"
    settings.REDIS_URL = ""
    settings.HTTPS = False

    call_command("check")

    lines = check_lines(capsys)
    assert lines["Data folder"] == f"{settings.DATA_DIR} is writable."
    assert lines["Secret key"] == f"generated on first start and kept in {settings.DATA_DIR / 'secret_key'}."
    assert (
        lines["Email"]
        == f"no SMTP server set (STEADYOPS_EMAIL_HOST); mail is written to files in {settings.DATA_DIR / 'mail'}."
    )
    assert lines["Task queue"] == f"SQLite file {settings.HUEY['filename']}."
    assert lines["Worker"] == "none has reported yet; start one with `steadyops worker` (`steadyops up` starts one)."
    assert lines["HTTPS"] == "off: cookies also travel over plain HTTP; set STEADYOPS_HTTPS=true behind a TLS proxy."
    assert lines["Database"].endswith(", reachable.")


def test_it_describes_smtp_redis_https_and_a_live_worker(db, settings, capsys, monkeypatch):
    monkeypatch.setenv("STEADYOPS_SECRET_KEY", "k" * 60)
    settings.EMAIL_HOST = "smtp.example.com"
    settings.EMAIL_PORT = 587
    settings.EMAIL_USE_TLS = True
    settings.EMAIL_USE_SSL = False
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.HTTPS = True
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="host-1234", seen_at=now - timedelta(seconds=3), started_at=now)

    call_command("check")

    lines = check_lines(capsys)
    assert lines["Secret key"] == "from STEADYOPS_SECRET_KEY."
    assert lines["Email"] == "sent through the SMTP server smtp.example.com:587 (TLS)."
    assert lines["Task queue"] == "Redis at redis://127.0.0.1:6379/0, reachable."
    assert lines["HTTPS"] == "on (STEADYOPS_HTTPS): cookies are sent only over HTTPS, with HSTS."
    assert re.fullmatch(r"host-1234 reported \d+ seconds ago\.", lines["Worker"])


def test_it_fails_when_redis_cannot_be_reached_and_hides_its_password(db, settings, capsys):
    port = closed_port()
    settings.REDIS_URL = f"redis://:hunter2@127.0.0.1:{port}/0"

    code, out, err = run_cli(capsys, "check")

    assert code == 1
    assert "hunter2" not in out + err
    assert f"Task queue: Redis at redis://:***@127.0.0.1:{port}/0 cannot be reached: " in out
    assert err == "CommandError: Not ready: the task queue needs attention (see above).\n"


def test_it_fails_when_the_data_folder_is_not_writable(db, settings, capsys, tmp_path):
    settings.DATA_DIR = tmp_path / "gone"

    with pytest.raises(CommandError, match=r"^Not ready: the data folder needs attention \(see above\)\.$"):
        call_command("check")

    assert f"Data folder: {tmp_path / 'gone'} is not writable (No such file or directory)." in capsys.readouterr().out


def test_it_says_when_the_worker_seems_stopped(db, settings, capsys):
    settings.WORKER_POLL_SECONDS = 5
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        name="host-1", seen_at=now - timedelta(seconds=600), started_at=now - timedelta(hours=1)
    )

    call_command("check")

    worker = check_lines(capsys)["Worker"]
    assert worker.startswith("the last report came 60")
    assert worker.endswith("seconds ago from host-1; no worker seems to be running.")


def test_it_keeps_djangos_options_and_failure_levels(db, settings, capsys):
    settings.HTTPS = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False

    code, out, err = run_cli(capsys, "check", "--deploy", "--fail-level", "WARNING")

    assert code == 1
    assert "security.W012" in err
    assert "Database:" not in out


def test_it_rejects_unknown_options_with_usage(capsys):
    code, out, err = run_cli(capsys, "check", "--fail-level", "LOUD")

    assert (code, out) == (2, "")
    assert err.startswith("usage: steadyops check")
    assert "argument --fail-level: invalid choice: 'LOUD'" in err
