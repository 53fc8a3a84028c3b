from datetime import datetime, time
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from steadyops.core.models import AuditEntry


class AuditFilterForm(forms.Form):
    """The filters above the audit log; the CSV export takes the same ones."""

    actor = forms.CharField(required=False, max_length=150, label="Who", help_text="User name, or part of it.")
    action = forms.CharField(
        required=False, max_length=64, label="What", help_text="For example team.create, or team. for all team changes."
    )
    object_type = forms.ChoiceField(required=False, label="Kind of thing", choices=())
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, object_types: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        object_type = cast(forms.ChoiceField, self.fields["object_type"])
        object_type.choices = [("", "Any"), *((value, value) for value in object_types or [])]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data
        if data.get("actor"):
            entries = entries.filter(actor_label__icontains=data["actor"])
        if data.get("action"):
            action = data["action"]
            entries = (
                entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
            )
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=datetime.combine(data["date_from"], time.min, tzinfo=zone))
        if data.get("date_to"):
            entries = entries.filter(created_at__lte=datetime.combine(data["date_to"], time.max, tzinfo=zone))
        return entries
