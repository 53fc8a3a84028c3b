from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steadyops.notify import services
from steadyops.notify.models import ChannelKind, DeliveryStatus

# Longer than the kind's own label: the person choosing may not know what a webhook is.
KIND_CHOICES = [
    (ChannelKind.EMAIL.value, "Email"),
    (ChannelKind.SLACK.value, "Team chat (Slack or Mattermost)"),
    (ChannelKind.WEBHOOK.value, "Another system (signed JSON webhook)"),
]


class ChannelForm(forms.Form):
    """A new channel (kind, name, address), or the changes to one (name, address, on/off)."""

    kind = forms.ChoiceField(
        label="What kind of channel",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        help_text="Not sure? Choose Email. For team chat, ask whoever runs the chat for a webhook address. "
        "Another system is usually connected by a developer.",
    )
    name = forms.CharField(
        label="Name",
        max_length=services.NAME_MAX,
        help_text="Only for you, to tell your channels apart, such as “Work email” or “Team chat”.",
    )
    target = forms.CharField(
        label="Address",
        max_length=services.TARGET_MAX,
        help_text="For email, the email address. For the others, the web address you were given, starting with https://.",
    )
    enabled = forms.BooleanField(label="Send me notifications here", required=False, initial=True)

    def __init__(self, *args: Any, editing_kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing_kind = editing_kind
        if editing_kind is not None:
            # A channel keeps its kind; a different kind is a different channel.
            del self.fields["kind"]
        else:
            del self.fields["enabled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = self.editing_kind or data.get("kind")
        if kind and "target" in data:
            try:
                data["target"] = services.clean_target(kind, data["target"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class PreferencesForm(forms.Form):
    quiet_start = forms.TimeField(
        label="Quiet hours start",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="From this time we hold back everything that is not urgent. Leave both empty for no quiet hours.",
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Held-back notifications are sent at this time. It may be the next morning.",
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="Start typing your city, such as Berlin, and pick it from the suggestions (Europe/Berlin).",
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value not in services.time_zone_names():
            raise ValidationError("Choose a time zone from the suggestions, such as Europe/Paris.")
        return value


STATUS_FILTER_CHOICES = [("", "All"), *DeliveryStatus.choices]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=STATUS_FILTER_CHOICES, required=False)
