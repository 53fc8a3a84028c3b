"""Faults with real processes: a `steadyops worker` against receivers that fail, hang, or disappear."""

import signal
import subprocess

import pytest

from steadyops.notify.tests.processes import Installation
from steadyops.testing.servers import SmtpServer, WebhookReceiver, wait_until

pytestmark = pytest.mark.integration


def keys_seen(receiver: WebhookReceiver) -> list[str]:
    return [request.headers["Idempotency-Key"] for request in receiver.snapshot()]


def only_message(app: Installation) -> dict:  # type: ignore[type-arg]
    [message] = app.messages()
    return message


def stop_worker(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_it_keeps_a_message_while_the_receiver_is_down_and_delivers_it_once_back(
    installation: Installation, webhook_receiver: WebhookReceiver
) -> None:
    app = installation
    channel = app.make_channel(app.make_user("alice"), "webhook", webhook_receiver.url)
    webhook_receiver.stop()
    [key] = app.send_tests(channel)
    worker = app.start("worker", "--name", "w1", name="w1")
    assert wait_until(lambda: only_message(app)["attempts"] >= 1, timeout=60), app.log("w1")
    message = only_message(app)
    assert message["status"] == "pending"
    assert message["last_error"] == f"Could not connect to 127.0.0.1:{webhook_receiver.port}."
    webhook_receiver.start()
    assert wait_until(lambda: only_message(app)["status"] == "delivered", timeout=60), app.log("w1")
    assert keys_seen(webhook_receiver) == [key]
    assert only_message(app)["last_error"] == ""
    assert stop_worker(worker) == 0
    assert "Worker w1 stopped." in app.log("w1")


def test_it_retries_after_an_error_status(installation: Installation, webhook_receiver: WebhookReceiver) -> None:
    app = installation
    channel = app.make_channel(app.make_user("alice"), "slack", webhook_receiver.url)
    webhook_receiver.answer_sequence(500)
    [key] = app.send_tests(channel)
    app.start("worker", "--name", "w1", name="w1")
    assert wait_until(lambda: only_message(app)["status"] == "delivered", timeout=60), app.log("w1")
    assert only_message(app)["attempts"] == 2
    assert [(r.headers["Idempotency-Key"], r.answered) for r in webhook_receiver.snapshot()] == [(key, 500), (key, 200)]


def test_it_retries_a_receiver_slower_than_the_timeout(
    installation: Installation, webhook_receiver: WebhookReceiver
) -> None:
    app = installation
    channel = app.make_channel(app.make_user("alice"), "webhook", webhook_receiver.url)
    webhook_receiver.slow(5)
    [key] = app.send_tests(channel)
    app.start("worker", "--name", "w1", name="w1")
    assert wait_until(lambda: only_message(app)["attempts"] >= 1, timeout=60), app.log("w1")
    message = only_message(app)
    assert message["status"] == "pending"
    assert message["last_error"] == f"No answer from 127.0.0.1:{webhook_receiver.port} within 2 s."
    webhook_receiver.slow(0)
    assert wait_until(lambda: only_message(app)["status"] == "delivered", timeout=60), app.log("w1")
    # At least once: the receiver saw the timed-out attempt too, with the same key to drop it by.
    assert set(keys_seen(webhook_receiver)) == {key}
    assert len(keys_seen(webhook_receiver)) == only_message(app)["attempts"]


def test_it_delivers_email_after_the_mail_server_comes_back(
    installation: Installation, smtp_server: SmtpServer
) -> None:
    app = installation
    app.env.update(smtp_server.env())
    channel = app.make_channel(app.make_user("alice"), "email", "alice@example.com")
    smtp_server.stop()
    [key] = app.send_tests(channel)
    app.start("worker", "--name", "w1", name="w1")
    assert wait_until(lambda: only_message(app)["attempts"] >= 1, timeout=60), app.log("w1")
    assert only_message(app)["status"] == "pending"
    assert only_message(app)["last_error"] == "Could not send mail: ConnectionRefusedError."
    smtp_server.start()
    assert wait_until(lambda: only_message(app)["status"] == "delivered", timeout=60), app.log("w1")
    assert [m.message["X-Steadyops-Idempotency-Key"] for m in smtp_server.messages] == [key]
    assert smtp_server.messages[0].rcpt_tos == ["alice@example.com"]


def test_it_loses_nothing_when_a_worker_is_killed_mid_delivery(
    installation: Installation, webhook_receiver: WebhookReceiver
) -> None:
    app = installation
    # The first worker waits longer than the lease on the hanging receiver, so only the lease can free the row.
    app.env["STEADYOPS_OUTBOX_DELIVERY_TIMEOUT"] = "60"
    channel = app.make_channel(app.make_user("alice"), "webhook", webhook_receiver.url)
    webhook_receiver.hang_next(1)
    [key] = app.send_tests(channel)
    first = app.start("worker", "--name", "doomed", name="doomed")
    assert wait_until(lambda: webhook_receiver.count() == 1, timeout=60), app.log("doomed")
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=30) == -signal.SIGKILL
    message = only_message(app)
    assert (message["status"], message["attempts"]) == ("pending", 0)
    assert message["lease_owner"].startswith("doomed/")
    app.start("worker", "--name", "rescuer", name="rescuer")
    assert wait_until(lambda: only_message(app)["status"] == "delivered", timeout=60), app.log("rescuer")
    message = only_message(app)
    assert (message["attempts"], message["lease_owner"]) == (1, "")
    assert keys_seen(webhook_receiver) == [key, key]
    assert [r.answered for r in webhook_receiver.snapshot()][1] == 200


def test_it_delivers_what_is_due_and_exits_with_once(
    installation: Installation, webhook_receiver: WebhookReceiver
) -> None:
    app = installation
    channel = app.make_channel(app.make_user("alice"), "slack", webhook_receiver.url)
    keys = app.send_tests(channel, 3)
    assert app.run("worker", "--once", "--name", "cron").strip() == "Delivered 3 notification(s)."
    assert sorted(keys_seen(webhook_receiver)) == sorted(keys)
    assert {m["status"] for m in app.messages()} == {"delivered"}


def test_it_wakes_an_idle_worker_through_huey(installation: Installation, webhook_receiver: WebhookReceiver) -> None:
    app = installation
    # Polling alone would take two minutes; Huey's wake_workers task brings the delivery forward.
    app.env["STEADYOPS_WORKER_POLL_SECONDS"] = "120"
    channel = app.make_channel(app.make_user("alice"), "slack", webhook_receiver.url)
    app.start("worker", "--name", "sleepy", name="sleepy")
    heartbeat = (
        "import json\nfrom steadyops.core.models import WorkerHeartbeat\n"
        "print(json.dumps(WorkerHeartbeat.objects.count()))"
    )
    assert wait_until(lambda: app.python(heartbeat) == 1, timeout=60), app.log("sleepy")
    [key] = app.send_tests(channel)
    assert wait_until(lambda: webhook_receiver.count() == 1, timeout=60), app.log("sleepy")
    assert keys_seen(webhook_receiver) == [key]
