"""Forms of the working-session pages: start a session, list and settle conflicts, write the record."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from steadyops.accounts.models import User
from steadyops.consensus.board_forms import team_choices, team_of
from steadyops.consensus.models.boards import CONFLICT_TEXT_MAX, RECORD_MAX, SESSION_PURPOSE_MAX, SESSION_TITLE_MAX


class SessionForm(forms.Form):
    title = forms.CharField(
        max_length=SESSION_TITLE_MAX, label="Title", help_text="What the session settles, in a few words."
    )
    purpose = forms.CharField(
        required=False,
        max_length=SESSION_PURPOSE_MAX,
        label="Purpose (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    team = forms.ChoiceField(
        required=False, label="Team", help_text="The team's members can list conflicts and write the record too."
    )
    participants = forms.MultipleChoiceField(
        required=False,
        label="Who takes part",
        widget=forms.CheckboxSelectMultiple,
        help_text="A small group. You take part anyway.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = team_choices(user)
        people = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("display_name", "username")
        cast(forms.MultipleChoiceField, self.fields["participants"]).choices = [
            (person.username, str(person)) for person in people
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["team"] = team_of(data.get("team") or "")
        data["participants"] = list(User.objects.filter(username__in=data.get("participants") or []))
        return data


class ConflictForm(forms.Form):
    description = forms.CharField(
        max_length=CONFLICT_TEXT_MAX,
        label="A point you disagree on",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConflictEditForm(forms.Form):
    description = forms.CharField(
        max_length=CONFLICT_TEXT_MAX, label="The point you disagree on", widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution = forms.CharField(
        required=False,
        max_length=CONFLICT_TEXT_MAX,
        label="Details worked out",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you agreed, so that nobody has to have the argument again.",
    )
    resolved = forms.BooleanField(required=False, label="Settled")


class RecordForm(forms.Form):
    record = forms.CharField(
        required=False,
        max_length=RECORD_MAX,
        label="The written record",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="What was decided and why, in Markdown (# headings, - lists, **bold**).",
    )
