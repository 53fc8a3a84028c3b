"""Forms for the traffic-event pages. They parse what people type; the rules live in demand.event_services."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from steadyops.accounts.models import Team
from steadyops.catalog.models import Service
from steadyops.demand.event_services import MULTIPLIER_MAX
from steadyops.demand.models.events import (
    COMMENT_MAX,
    CONTACT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Confidence,
    DemandEvent,
    EventStatus,
    RoughSize,
    SizeKind,
)
from steadyops.notify.services import time_zone_names

SIZE_CHOICES = [
    (SizeKind.MULTIPLIER, "About this many times a normal day"),
    (SizeKind.PEAK, "I know the peak we expect (for example from last year)"),
    (SizeKind.UNKNOWN, "I don't know — a rough idea is enough"),
]
ROUGH_CHOICES = [
    (RoughSize.SMALL, "Small — a bit busier than a normal day (about 1.5 times)"),
    (RoughSize.MEDIUM, "Medium — clearly busier, like a good sale day (about 3 times)"),
    (RoughSize.HUGE, "Huge — the busiest day of the year (about 6 times or more)"),
]
CONFIDENCE_CHOICES = [
    (Confidence.HIGH, "It is decided"),
    (Confidence.MEDIUM, "Fairly sure"),
    (Confidence.LOW, "Not sure yet"),
]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as typed, without a zone: the event's chosen time zone gives it meaning, not the
    server's."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": "Write a date and time, such as 2027-11-26 08:00."}

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        for pattern in self.input_formats:
            try:
                return datetime.strptime(text, pattern)
            except ValueError:
                continue
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class EventForm(forms.Form):
    """The one form marketing and sales fill in: what, when, how big, where, how sure, whom to ask."""

    title = forms.CharField(
        max_length=TITLE_MAX,
        label="What is happening?",
        help_text="For example “Black Friday sale” or “Newsletter to all customers”.",
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        label="Anything else we should know? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_at = LocalDateTimeField(label="When does it start?")
    ends_at = LocalDateTimeField(label="When does it end?")
    timezone = forms.ChoiceField(label="Time zone of these times", choices=())
    size_kind = forms.ChoiceField(
        label="How much more traffic than normal?", choices=SIZE_CHOICES, widget=forms.RadioSelect
    )
    multiplier = forms.DecimalField(
        required=False,
        max_digits=8,
        decimal_places=2,
        label="About how many times a normal day?",
        help_text="6 means six times as many visitors as on a normal day.",
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "max": str(MULTIPLIER_MAX)}),
    )
    expected_peak = forms.FloatField(
        required=False,
        label="The peak we expect",
        help_text="In the unit operations uses for the service, such as requests per second.",
    )
    rough_size = forms.ChoiceField(
        required=False, label="Roughly how big?", choices=ROUGH_CHOICES, widget=forms.RadioSelect
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which products or services?",
    )
    whole_site = forms.BooleanField(required=False, label="The whole site")
    confidence = forms.ChoiceField(
        label="How sure are you?", choices=CONFIDENCE_CHOICES, widget=forms.RadioSelect, initial=Confidence.MEDIUM
    )
    contact = forms.CharField(
        max_length=CONTACT_MAX,
        required=False,
        label="Who can we ask?",
        help_text="A name and an email address or phone number.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        label="For which team?",
        empty_label="No team",
    )
    confirm = forms.BooleanField(required=False, label="Yes, I mean this number")

    def __init__(self, *args: Any, event: DemandEvent | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone"]).choices = _zone_choices()
        # The services customers meet, plus any the event already names (operators may add internal ones by API).
        offered = Q(archived_at=None, user_facing=True)
        if event is not None and event.pk is not None:
            offered |= Q(pk__in=event.services.values("pk"))
        cast(forms.ModelMultipleChoiceField, self.fields["services"]).queryset = Service.objects.filter(
            offered
        ).order_by("name", "slug")
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(archived_at=None).order_by(
            "name"
        )

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as event_services arguments; only the size fields of the chosen kind are passed,
        so a number left in a hidden choice does not count."""
        data = self.cleaned_data
        kind = data["size_kind"]
        return {
            "title": data["title"],
            "description": data["description"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "timezone": data["timezone"],
            "size_kind": kind,
            "multiplier": data["multiplier"] if kind == SizeKind.MULTIPLIER else None,
            "expected_peak": data["expected_peak"] if kind == SizeKind.PEAK else None,
            "rough_size": (data["rough_size"] or None) if kind == SizeKind.UNKNOWN else None,
            "whole_site": data["whole_site"],
            "services": list(data["services"]),
            "confidence": data["confidence"],
            "contact": data["contact"],
            "team": data["team"],
        }


def initial_for(event: DemandEvent) -> dict[str, Any]:
    """The edit form's starting values: the times as they were entered, in the event's own zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(event.timezone)
    return {
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_at": event.ends_at.astimezone(zone).replace(tzinfo=None),
        "timezone": event.timezone,
        "size_kind": event.size_kind,
        "multiplier": event.multiplier,
        "expected_peak": event.expected_peak,
        "rough_size": event.rough_size or "",
        "whole_site": event.whole_site,
        "services": [service.slug for service in event.services.all()],
        "confidence": event.confidence,
        "contact": event.contact,
        "team": event.team.slug if event.team else None,
    }


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=COMMENT_MAX, label="Your message", widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (EventStatus.ACKNOWLEDGED, EventStatus.PLAN_NEEDED, EventStatus.READY)]
    )


class EventFilterForm(forms.Form):
    """The filters above the event list."""

    WHEN_CHOICES = [("upcoming", "Coming up"), ("past", "Past"), ("all", "All")]

    when = forms.ChoiceField(choices=WHEN_CHOICES, required=False, label="When")
    status = forms.ChoiceField(choices=[("", "Any status"), *EventStatus.choices], required=False, label="Status")
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", required=False, label="Team", empty_label="Any team"
    )
    mine = forms.BooleanField(required=False, label="Only mine")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(archived_at=None).order_by(
            "name"
        )


class FeedForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", label="Team")

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams if teams is not None else Team.objects.none()
