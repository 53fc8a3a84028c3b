from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from steadyops.notify import services
from steadyops.notify.models import DeliveryStatus, OutboxMessage


def test_it_delivers_what_is_due_once(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    for n in range(2):
        services.enqueue(kind="slack", target=webhook_receiver.url, event="demo", subject=f"S{n}", body="")
    out = StringIO()
    call_command("worker", "--once", "--name", "cron", stdout=out)
    assert out.getvalue().strip() == "Delivered 2 notification(s)."
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_it_shortens_an_overlong_worker_name(db, webhook_receiver) -> None:  # type: ignore[no-untyped-def]
    services.enqueue(kind="slack", target=webhook_receiver.url, event="demo", subject="S", body="")
    webhook_receiver.answer(500)
    call_command("worker", "--once", "--name", "w" * 500, stdout=StringIO())
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.lease_owner) == (DeliveryStatus.PENDING, 1, "")


def test_it_refuses_unknown_options(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        call_command("worker", "--forever")
