from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from steadyops.core.actor import Actor
from steadyops.notify import home, services
from steadyops.notify.models import DeliveryStatus, OutboxMessage


def test_it_tells_a_person_without_channels_where_we_email_them(personas) -> None:  # type: ignore[no-untyped-def]
    [card] = home.cards(personas.stakeholder)
    assert card.lines == ["No channel yet: we email you at stakeholder@example.com."]
    assert card.link_url == reverse("channel_create")


def test_it_shows_no_card_to_a_person_with_a_channel(personas) -> None:  # type: ignore[no-untyped-def]
    services.create_channel(actor=Actor(user=personas.viewer), kind="email", name="Mail", target="v@example.com")
    assert home.cards(personas.viewer) == []
    assert home.cards(AnonymousUser()) == []


def test_it_shows_administrators_the_dead_letters(personas) -> None:  # type: ignore[no-untyped-def]
    services.create_channel(actor=Actor(user=personas.admin), kind="email", name="Mail", target="a@example.com")
    assert home.cards(personas.admin) == []
    for _ in range(2):
        message = services.enqueue(kind="email", target="x@example.com", event="demo", subject="Lost", body="")
        OutboxMessage.objects.filter(pk=message.pk).update(status=DeliveryStatus.DEAD)
    [card] = home.cards(personas.admin)
    assert card.lines == ["2 notifications could not be delivered and wait for you."]
    assert card.link_url == reverse("delivery_list") + "?status=dead"
    assert card.tone == "bad"
    assert all("could not be delivered" not in line for c in home.cards(personas.operator_a) for line in c.lines)
