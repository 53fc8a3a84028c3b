"""Forms for the incident pages. They parse what people type; the rules live in incidents.incident_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from steadyops.accounts.models import Role, Team, User
from steadyops.catalog.models import Service
from steadyops.incidents.models.incidents import (
    PLAIN_MAX,
    PRODUCT_AREA_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    IncidentStatus,
    Severity,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
SEVERITY_CHOICES = [(str(value), label) for value, label in Severity.choices]


def active_services() -> QuerySet[Service]:
    return Service.objects.filter(archived_at=None).order_by("name")


def role_candidates() -> QuerySet[User]:
    return User.objects.filter(is_active=True).exclude(role=Role.VIEWER).order_by("username")


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class DeclareForm(forms.Form):
    """Declare an incident by hand (most come from triage)."""

    title = forms.CharField(
        label="What is wrong",
        max_length=TITLE_MAX,
        help_text="One line everyone understands, such as “Customers cannot pay by card”.",
    )
    severity = forms.TypedChoiceField(label="How bad", choices=SEVERITY_CHOICES, coerce=int)
    services = forms.ModelMultipleChoiceField(
        label="Affected services",
        queryset=Service.objects.none(),
        required=False,
        to_field_name="slug",
        help_text="Their owners' manuals are linked from the incident.",
    )
    product_area = forms.CharField(
        label="Part of the product", max_length=PRODUCT_AREA_MAX, required=False, help_text="Such as “checkout”."
    )
    summary = forms.CharField(
        label="What we know so far", max_length=SUMMARY_MAX, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services_field = self.fields["services"]
        assert isinstance(services_field, forms.ModelMultipleChoiceField)
        services_field.queryset = active_services()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=IncidentStatus.choices)
    note = forms.CharField(
        label="Note",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when going back or reopening: say why.",
    )


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(label="Severity", choices=SEVERITY_CHOICES, coerce=int)
    note = forms.CharField(label="Why", max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RolesForm(forms.Form):
    commander = PersonField(
        label="Commander", queryset=User.objects.none(), required=False, help_text="Leads and decides."
    )
    communications = PersonField(
        label="Communications",
        queryset=User.objects.none(),
        required=False,
        help_text="Writes the updates for everyone; reminded when one is overdue.",
    )
    scribe = PersonField(label="Scribe", queryset=User.objects.none(), required=False, help_text="Keeps the timeline.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("commander", "communications", "scribe"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = role_candidates()


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class TechnicalUpdateForm(forms.Form):
    """An update for responders, in their own words."""

    text = forms.CharField(label="Technical update", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class StakeholderUpdateForm(forms.Form):
    """An update for sales, support and everyone else: four questions in plain words."""

    affected = forms.CharField(
        label="What is affected",
        max_length=PLAIN_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Which part of the product, in the words customers use: “paying by card on the web shop”.",
    )
    customers_see = forms.CharField(
        label="What customers see",
        max_length=PLAIN_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happens on their screen: “an error page after pressing Pay”.",
    )
    tell_customers = forms.CharField(
        label="What to tell customers",
        max_length=PLAIN_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A sentence sales and support can repeat: “We know, it is being fixed; PayPal works.”",
    )
    next_update_by = forms.DateTimeField(
        label="Next update by",
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="When you will post the next update, even if nothing changes. You are reminded if it is late.",
        error_messages={"invalid": "Write a date and time, such as 2030-11-26 14:30."},
    )
    text = forms.CharField(
        label="Anything else (optional)", max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The time is read in the site's zone, which is not always the reader's.
        field = self.fields["next_update_by"]
        field.help_text = f"{field.help_text} In {timezone.get_current_timezone_name()} time."


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("open", "Open (not resolved)"), *IncidentStatus.choices],
    )
    severity = forms.TypedChoiceField(
        label="Severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *[(str(value), f"SEV{value}") for value in Severity.values]],
    )
    service = forms.ModelChoiceField(
        label="Service", required=False, queryset=Service.objects.none(), to_field_name="slug", empty_label="Any"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Service.objects.order_by("name")


WHAT_CHOICES = [
    ("all", "Every problem"),
    ("service", "Problems with one service"),
    ("severity", "Problems of a severity and worse"),
]


class SubscriptionForm(forms.Form):
    """Follow incidents, for oneself or for a team one runs."""

    who = forms.ChoiceField(label="Who gets the messages", choices=[("me", "Me")])
    scope = forms.ChoiceField(label="What about", choices=WHAT_CHOICES, widget=forms.RadioSelect, initial="all")
    service = forms.ModelChoiceField(
        label="Service",
        required=False,
        queryset=Service.objects.none(),
        to_field_name="slug",
        help_text="For “problems with one service”.",
    )
    max_severity = forms.TypedChoiceField(
        label="Severity and worse",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *SEVERITY_CHOICES],
        help_text="For “a severity and worse”: SEV2 means SEV1 and SEV2.",
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {team.slug: team for team in teams}
        who = self.fields["who"]
        assert isinstance(who, forms.ChoiceField)
        who.choices = [("me", "Me"), *[(team.slug, f"The team {team.name}") for team in teams]]
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)
        service.queryset = active_services()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "service" and not data.get("service"):
            self.add_error("service", "Choose a service.")
        if data.get("scope") == "severity" and not data.get("max_severity"):
            self.add_error("max_severity", "Choose a severity.")
        return data

    def team(self) -> Team | None:
        who = self.cleaned_data.get("who")
        return None if who in (None, "me") else self.teams[who]


PERIOD_CHOICES = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last year")]


class MetricsForm(forms.Form):
    days = forms.TypedChoiceField(label="Period", choices=PERIOD_CHOICES, coerce=int, required=False, empty_value=None)
