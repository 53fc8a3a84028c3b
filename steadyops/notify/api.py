"""The notification API: a person's own channels. Mounted at /api/v1/notifications/."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import StringConstraints

from steadyops.api.auth import scoped
from steadyops.api.errors import error_response
from steadyops.api.schemas import NO_NUL, Error, InputSchema
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.notify import services
from steadyops.notify.models import Channel, ChannelKind

router = Router(tags=["notifications"])

ERRORS = {401: Error, 403: Error, 422: Error}


class ChannelOut(Schema):
    id: int
    kind: ChannelKind
    name: str
    target: str
    enabled: bool
    created_at: datetime
    secret: str | None = None


class ChannelIn(InputSchema):
    kind: ChannelKind
    name: Annotated[str, StringConstraints(min_length=1, max_length=services.NAME_MAX, pattern=NO_NUL)]
    target: Annotated[str, StringConstraints(min_length=1, max_length=services.TARGET_MAX, pattern=NO_NUL)]


class TestMessageOut(Schema):
    id: int
    idempotency_key: str
    status: str


def _out(channel: Channel, *, with_secret: bool = False) -> ChannelOut:
    return ChannelOut(
        id=channel.pk,
        kind=ChannelKind(channel.kind),
        name=channel.name,
        target=channel.target,
        enabled=channel.enabled,
        created_at=channel.created_at,
        # The signing secret is returned when the webhook is made, so a script can store it.
        secret=channel.secret if with_secret and channel.secret else None,
    )


@router.get("/channels", auth=scoped(), response={200: list[ChannelOut], **ERRORS}, summary="My channels")
def list_channels(request: HttpRequest) -> list[ChannelOut]:
    channels = Channel.objects.filter(owner_id=request.user.pk, archived_at=None).order_by("name", "id")
    return [_out(channel) for channel in channels]


@router.post("/channels", auth=scoped(), response={201: ChannelOut, **ERRORS}, summary="Add a channel")
def create_channel(request: HttpRequest, data: ChannelIn) -> Status[ChannelOut]:
    channel = services.create_channel(
        actor=Actor.of_request(request), kind=data.kind.value, name=data.name, target=data.target
    )
    return Status(201, _out(channel, with_secret=True))


@router.post(
    "/channels/{channel_id}/test",
    auth=scoped(),
    response={202: TestMessageOut, 404: Error, 429: Error, **ERRORS},
    summary="Send a test message to one of my channels",
    description=f"At most {services.TEST_MESSAGES_PER_MINUTE} test messages per channel in any 60 seconds; "
    "beyond that the answer is 429 with a Retry-After header.",
)
def send_test(request: HttpRequest, channel_id: int) -> Status[TestMessageOut] | HttpResponse:
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None or not permissions.can_manage_channel(request.user, channel):
        raise Http404
    try:
        message = services.send_test_message(actor=Actor.of_request(request), channel=channel)
    except services.TooManyTestMessages as exc:
        response = error_response(429, str(exc))
        response["Retry-After"] = str(exc.retry_after)
        return response
    return Status(202, TestMessageOut(id=message.pk, idempotency_key=message.idempotency_key, status=message.status))
