"""Forms of the panic button, the triage queue and the press statistics. They parse what people type; the rules
live in intake_services and triage_services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.db.models import QuerySet

from steadyops.catalog.models import Service
from steadyops.core.text import has_control_characters
from steadyops.incidents.models.incidents import TITLE_MAX, Severity
from steadyops.incidents.models.signals import NOTE_MAX, URL_MAX, WHAT_MAX

CUSTOMER_CHOICES = [
    ("one", "One customer"),
    ("few", "A few customers"),
    ("many", "Many customers"),
    ("unknown", "I don't know"),
]

# The reasons as the triage form shows them; the reporter's note explains them again in plainer words.
DECLINE_CHOICES = [
    ("not_a_problem", "Not a problem: everything works as it should"),
    ("known_issue", "Known issue: we already know and are on it"),
    ("planned_maintenance", "Planned maintenance: announced work"),
    ("user_error", "User error: a mix-up in how something was used"),
]

PERIOD_CHOICES = [
    ("7", "The last 7 days"),
    ("30", "The last 30 days"),
    ("90", "The last 90 days"),
    ("365", "The last year"),
]


def product_areas() -> QuerySet[Service]:
    """What a colleague can pick under “Where?”: the parts of the product customers use directly."""
    return Service.objects.filter(user_facing=True, archived_at=None).order_by("name")


def _plain_text(value: str, limit: int, what: str) -> str:
    text = value.strip()
    if len(text) > limit:
        raise forms.ValidationError(f"{what} is too long: keep it under {limit} characters.")
    if any(ord(char) == 0 for char in text):
        raise forms.ValidationError(f"{what} contains characters that cannot be stored.")
    return text


class PanicForm(forms.Form):
    """The panic button: everything is optional, the button alone is a report."""

    what = forms.CharField(
        label="What looks broken? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "For example: customers say the payment page hangs"}),
        help_text="A few words are enough.",
    )
    where_url = forms.CharField(
        label="Where? A link (optional)",
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "inputmode": "url"}),
        help_text="Copy the address of the page that looks wrong, if you have it.",
    )
    service = forms.ModelChoiceField(
        label="Or which part of the site? (optional)",
        required=False,
        queryset=Service.objects.none(),
        to_field_name="slug",
        empty_label="I'm not sure",
        error_messages={"invalid_choice": "Pick one of the parts of the site listed here."},
    )
    customers = forms.ChoiceField(
        label="Roughly how many customers? (optional)",
        required=False,
        choices=CUSTOMER_CHOICES,
        widget=forms.RadioSelect,
        initial="unknown",
        error_messages={"invalid_choice": "Pick one of the answers listed here."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = product_areas()

    def clean_what(self) -> str:
        return _plain_text(self.cleaned_data["what"], WHAT_MAX, "The description")

    def clean_where_url(self) -> str:
        text = _plain_text(self.cleaned_data["where_url"], URL_MAX, "The link")
        if not text:
            return ""
        if has_control_characters(text) or any(char.isspace() for char in text):
            raise forms.ValidationError("A link has no spaces or line breaks; copy it again from the address bar.")
        parts = urlsplit(text)
        # Only web addresses: a javascript: or data: link would run on an operator's screen when clicked.
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise forms.ValidationError("Paste a web address starting with https:// or http://, or leave it empty.")
        return text

    def clean_customers(self) -> str:
        return self.cleaned_data["customers"] or "unknown"


class MeTooForm(forms.Form):
    """“I see this too” on a known problem: an incident or a signal already collecting reports."""

    incident = forms.IntegerField(required=False, min_value=1)
    signal = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("incident")) == bool(data.get("signal")):
            raise forms.ValidationError("Choose the problem you see too.")
        return data


class AcceptForm(forms.Form):
    """Accept a signal: it becomes an incident."""

    title = forms.CharField(
        label="Incident title",
        max_length=TITLE_MAX,
        help_text="What is broken, as a customer would say it: “Checkout fails at the payment step”.",
    )
    severity = forms.TypedChoiceField(label="Severity", coerce=int, widget=forms.RadioSelect, choices=())
    services = forms.ModelMultipleChoiceField(
        label="Affected services",
        required=False,
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "“%(value)s” is not a service in the catalog."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        severity = self.fields["severity"]
        assert isinstance(severity, forms.TypedChoiceField)
        severity.choices = list(Severity.choices)
        services = self.fields["services"]
        assert isinstance(services, forms.ModelMultipleChoiceField)
        services.queryset = Service.objects.filter(archived_at=None).order_by("name")

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if has_control_characters(title):
            raise forms.ValidationError("The title must be one line of plain text.")
        return title


class MergeForm(forms.Form):
    """Merge a signal into an incident that is still open."""

    incident = forms.IntegerField(
        label="Open incident",
        min_value=1,
        widget=forms.Select,
        error_messages={"required": "Choose the incident to add this to.", "invalid": "Choose an incident."},
    )

    def __init__(self, *args: Any, incidents: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only open incidents are offered; a resolved one sent anyway is refused by triage_services.merge.
        choices = [("", "Choose an open incident")]
        choices += [(str(incident.pk), f"{incident.key} {incident.title}") for incident in incidents]
        widget = self.fields["incident"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = choices


class DeclineForm(forms.Form):
    """Decline a signal with a reason; the reporters get a kind note."""

    reason = forms.ChoiceField(
        label="Why is this not an incident?",
        choices=DECLINE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a reason: the people who pressed the button are told it.",
            "invalid_choice": "Choose one of the reasons listed here.",
        },
    )
    note = forms.CharField(
        label="A note for the people who reported it (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain words, no blame: what happened, what to look at next time.",
    )

    def clean_note(self) -> str:
        return _plain_text(self.cleaned_data["note"], NOTE_MAX, "The note")


class PeriodForm(forms.Form):
    """The period of the press statistics."""

    days = forms.TypedChoiceField(label="Period", coerce=int, choices=PERIOD_CHOICES, required=False, empty_value=None)
