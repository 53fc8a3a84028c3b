from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from steadyops.accounts.models import User
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.notify import services
from steadyops.notify.forms import ChannelForm, DeliveryFilterForm, PreferencesForm
from steadyops.notify.models import Channel, ChannelKind, DeliveryStatus, OutboxMessage, Preference

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    # Every view here is behind login_required, so the person is a signed-in User.
    return cast("User", request.user)


def _own_channel(request: HttpRequest, pk: int) -> Channel:
    # Someone else's channel answers 404, not 403: its existence is not theirs to know.
    channel = get_object_or_404(Channel, pk=pk)
    if not permissions.can_manage_channel(request.user, channel):
        raise Http404("No such channel.")
    return channel


def _require_active(request: HttpRequest) -> None:
    if not permissions.can_view(request.user):
        raise PermissionDenied


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    _require_active(request)
    channels = list(Channel.objects.filter(owner=_me(request), archived_at=None).order_by("name", "id"))
    for channel in channels:
        channel.shown_target = services.masked_target(channel)  # type: ignore[attr-defined]
    preference = Preference.objects.filter(user=_me(request)).first()
    return render(
        request,
        "notify/channel_list.html",
        {
            "channels": channels,
            "preference": preference,
            "can_manage_deliveries": permissions.can_manage_deliveries(request.user),
        },
    )


def _form_status(form: ChannelForm | PreferencesForm) -> int:
    return 400 if form.is_bound and form.errors else 200


@login_required
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    _require_active(request)
    form = ChannelForm(
        request.POST or None, initial={"kind": ChannelKind.EMAIL, "target": getattr(request.user, "email", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.create_channel(
                actor=Actor.of_request(request),
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                target=form.cleaned_data["target"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The channel “{channel.name}” is ready. Send a test message to check it.")
            return redirect("channel_edit", pk=channel.pk)
    return render(request, "notify/channel_form.html", {"form": form, "channel": None}, status=_form_status(form))


def _edit_form(channel: Channel, data: QueryDict | None = None) -> ChannelForm:
    initial = {"name": channel.name, "target": channel.target, "enabled": channel.enabled}
    return ChannelForm(data, initial=initial, editing_kind=channel.kind)


def _channel_page(request: HttpRequest, channel: Channel, form: ChannelForm, *, status: int = 200) -> HttpResponse:
    return render(request, "notify/channel_form.html", {"form": form, "channel": channel}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    form = _edit_form(channel, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_channel(
                actor=Actor.of_request(request),
                channel=channel,
                name=form.cleaned_data["name"],
                target=form.cleaned_data["target"],
                enabled=form.cleaned_data["enabled"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("channel_list")
    return _channel_page(request, channel, form, status=_form_status(form))


@login_required
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    try:
        services.send_test_message(actor=Actor.of_request(request), channel=channel)
    except services.TooManyTestMessages as exc:
        # The channel page itself says why nothing was sent; a redirect would hide the 429 from scripts.
        messages.error(request, str(exc))
        response = _channel_page(request, channel, _edit_form(channel), status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("channel_list")
    messages.success(request, f"A test message is on its way to “{channel.name}”.")
    return redirect("channel_edit", pk=channel.pk)


@login_required
@require_POST
def channel_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    try:
        services.rotate_channel_secret(actor=Actor.of_request(request), channel=channel)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "The channel has a new secret and the old one no longer works. "
            "Copy the new secret below into the system that receives these messages now.",
        )
    return redirect("channel_edit", pk=channel.pk)


@login_required
@require_POST
def channel_archive(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    services.archive_channel(actor=Actor.of_request(request), channel=channel)
    messages.success(request, f"The channel “{channel.name}” is archived: it will receive nothing more.")
    return redirect("channel_list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    _require_active(request)
    current = Preference.objects.filter(user=_me(request)).first()
    initial: dict[str, object] = {"time_zone": current.time_zone if current else "UTC"}
    if current is not None:
        initial.update(quiet_start=current.quiet_start, quiet_end=current.quiet_end)
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_preferences(
                actor=Actor.of_request(request),
                user=_me(request),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your notification preferences are saved.")
            return redirect("channel_list")
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "time_zones": sorted(services.time_zone_names())},
        status=_form_status(form),
    )


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_deliveries(request.user):
        raise PermissionDenied
    form = DeliveryFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    rows = OutboxMessage.objects.select_related("recipient", "channel").annotate(
        rank=Case(
            When(status=DeliveryStatus.DEAD, then=Value(0)),
            When(status=DeliveryStatus.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("rank", "-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.shown_target = services.masked_address(message.kind, message.target)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "page": page,
        "status": status,
        "dead_count": OutboxMessage.objects.filter(status=DeliveryStatus.DEAD).count(),
    }
    template = "notify/delivery_list.html#results" if request.htmx else "notify/delivery_list.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=200 if form.is_valid() or not request.GET else 400)


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_manage_deliveries(request.user):
        raise PermissionDenied
    message = get_object_or_404(OutboxMessage, pk=pk)
    try:
        services.retry_dead(actor=Actor.of_request(request), message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The notification “{message.subject}” will be sent again.")
    return redirect("delivery_list")
