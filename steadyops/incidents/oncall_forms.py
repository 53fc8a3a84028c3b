"""Forms of the on-call pages: rotations, overrides, escalation policies, paging someone now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from steadyops.accounts.models import Team, User
from steadyops.incidents.models.oncall import EscalationPolicy, Rotation, RotationPeriod
from steadyops.incidents.oncall_services import (
    MAX_MEMBERS,
    MAX_REPEAT,
    MAX_STEPS,
    MAX_WAIT_MINUTES,
    RotationInput,
    StepInput,
    people,
)
from steadyops.notify.services import time_zone_names

# Rows shown on a new form; a rotation or policy with more shows all of its own. The "add rows" button (named
# MORE_ROWS) gives ROWS_ADDED more, up to what the services accept.
MEMBER_ROWS = 10
STEP_ROWS = 6
ROWS_ADDED = 5
MORE_ROWS = "more_rows"
_MEMBER_KEY = re.compile(r"member_(\d{1,3})")
_STEP_KEY = re.compile(r"step_(\d{1,3})_(?:target|wait)")


def _row_count(source: Mapping[str, Any] | None, key: re.Pattern[str], shown: int, most: int) -> int:
    """How many numbered rows a form has: at least shown, every row source (the posted data, or the initial
    values) has, and ROWS_ADDED more when the person asked for them; never more than most."""
    keys = source.keys() if source is not None else ()
    used = max((int(match.group(1)) for name in keys if (match := key.fullmatch(name))), default=0)
    rows = max(shown, used)
    if source is not None and MORE_ROWS in source:
        rows += ROWS_ADDED
    return min(rows, most)


class _NumberedRowsForm(forms.Form):
    """A form with rows numbered from 1 (the people of a rotation, the steps of a policy): row_key names a row's
    fields, rows_shown is how many a new form has, rows_most how many the services accept."""

    row_key: ClassVar[re.Pattern[str]]
    rows_shown: ClassVar[int]
    rows_most: ClassVar[int]

    def __init__(self, data: Any = None, *, initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        self.rows = _row_count(data if data is not None else initial, self.row_key, self.rows_shown, self.rows_most)

    @property
    def can_add_rows(self) -> bool:
        return self.rows < self.rows_most


def _person_field(label: str, required: bool = False) -> forms.ModelChoiceField[User]:
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=required,
        label=label,
        empty_label="—",
    )


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(time_zone_names())]


class RotationForm(_NumberedRowsForm):
    row_key = _MEMBER_KEY
    rows_shown = MEMBER_ROWS
    rows_most = MAX_MEMBERS

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team", empty_label=None)
    name = forms.CharField(max_length=100, label="Name", help_text="Such as “Platform primary”.")
    period = forms.ChoiceField(choices=RotationPeriod.choices, label="How often the shift changes hands")
    period_hours = forms.IntegerField(
        required=False, label="Shift length in hours", help_text="Only for “every few hours”, such as 12."
    )
    handoff_time = forms.TimeField(
        label="Hand-off time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), help_text="Local time."
    )
    timezone = forms.ChoiceField(choices=zone_choices, label="Time zone")
    starts_on = forms.DateField(label="First shift starts on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any = None, *, teams: list[Team], initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.filter(pk__in=[team.pk for team in teams]).order_by("name")
        for row in range(1, self.rows + 1):
            self.fields[f"member_{row}"] = _person_field(f"Person {row} in turn")

    def member_fields(self) -> list[forms.BoundField]:
        return [self[f"member_{row}"] for row in range(1, self.rows + 1)]

    def main_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in ("team", "name", "period", "period_hours", "handoff_time", "timezone", "starts_on")
        ]

    def rotation_input(self) -> RotationInput:
        data = self.cleaned_data
        members = [data[f"member_{row}"] for row in range(1, self.rows + 1) if data.get(f"member_{row}")]
        return RotationInput(
            name=data["name"],
            period=data["period"],
            period_hours=data.get("period_hours"),
            handoff_time=data["handoff_time"],
            timezone=data["timezone"],
            starts_on=data["starts_on"],
            members=members,
        )


def rotation_initial(rotation: Rotation) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "team": rotation.team_id,
        "name": rotation.name,
        "period": rotation.period,
        "period_hours": rotation.period_hours,
        "handoff_time": rotation.handoff_time,
        "timezone": rotation.timezone,
        "starts_on": rotation.starts_on,
    }
    for member in rotation.members.order_by("position"):
        initial[f"member_{member.position + 1}"] = member.user_id
    return initial


class OverrideForm(forms.Form):
    user = _person_field("Who covers", required=True)
    starts_at = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reason = forms.CharField(
        required=False, max_length=200, label="Why (optional)", help_text="Such as “holiday swap”."
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["starts_at"].help_text = f"In the rotation's time zone, {zone.key}."

    def _local(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        # The browser sends wall-clock time; it means the rotation's zone, not the server's.
        return value.replace(tzinfo=None).replace(tzinfo=self.zone)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = self._local(data.get("starts_at"))
        data["ends_at"] = self._local(data.get("ends_at"))
        return data


def _target_choices(teams: list[Team] | None = None) -> list[tuple[str, Any]]:
    rotations = Rotation.objects.filter(archived_at=None).select_related("team").order_by("team__name", "name")
    if teams is not None:
        rotations = rotations.filter(team__in=teams)
    return [
        ("", "—"),
        ("Rotations (whoever is on call)", [(f"r:{r.pk}", f"{r.name} ({r.team.name})") for r in rotations]),
        ("People", [(f"u:{u.pk}", f"{u} ({u.username})") for u in people()]),
    ]


def _resolve_target(value: str) -> tuple[User | None, Rotation | None]:
    kind, _, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None, None
    if kind == "u":
        return User.objects.filter(pk=int(pk), is_active=True).first(), None
    if kind == "r":
        return None, Rotation.objects.filter(pk=int(pk), archived_at=None).first()
    return None, None


class PolicyForm(_NumberedRowsForm):
    row_key = _STEP_KEY
    rows_shown = STEP_ROWS
    rows_most = MAX_STEPS

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team", empty_label=None)
    name = forms.CharField(max_length=100, label="Name", help_text="Such as “Platform incidents”.")
    repeat = forms.IntegerField(
        label="Run the steps again this many times if nobody answers",
        initial=1,
        help_text=f"0 to {MAX_REPEAT}. After the last round the team's operators are told nobody answered.",
    )
    is_default = forms.BooleanField(required=False, label="The team's default policy (incidents page this one)")

    def __init__(self, data: Any = None, *, teams: list[Team], initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.filter(pk__in=[team.pk for team in teams]).order_by("name")
        choices = _target_choices()
        for row in range(1, self.rows + 1):
            self.fields[f"step_{row}_target"] = forms.ChoiceField(
                choices=choices, required=False, label=f"Step {row}: page"
            )
            self.fields[f"step_{row}_wait"] = forms.IntegerField(
                required=False, label=f"Step {row}: minutes to wait for an answer"
            )

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"step_{r}_target"], self[f"step_{r}_wait"]) for r in range(1, self.rows + 1)]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("team", "name", "repeat", "is_default")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        steps: list[StepInput] = []
        for row in range(1, self.rows + 1):
            target = data.get(f"step_{row}_target") or ""
            wait = data.get(f"step_{row}_wait")
            if not target and wait is None:
                continue
            if not target:
                self.add_error(f"step_{row}_target", "Choose a rotation or a person for this step.")
                continue
            user, rotation = _resolve_target(target)
            if user is None and rotation is None:
                self.add_error(f"step_{row}_target", "Choose a rotation or a person from the list.")
                continue
            if wait is None or not 1 <= wait <= MAX_WAIT_MINUTES:
                self.add_error(f"step_{row}_wait", f"Wait from 1 to {MAX_WAIT_MINUTES} minutes (24 hours).")
                continue
            steps.append(StepInput(wait_minutes=wait, user=user, rotation=rotation))
        data["steps"] = steps
        return data


def policy_initial(policy: EscalationPolicy) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "team": policy.team_id,
        "name": policy.name,
        "repeat": policy.repeat,
        "is_default": policy.is_default,
    }
    for step in policy.steps.order_by("position"):
        target = f"r:{step.rotation_id}" if step.rotation_id else f"u:{step.user_id}"
        initial[f"step_{step.position + 1}_target"] = target
        initial[f"step_{step.position + 1}_wait"] = step.wait_minutes
    return initial


class PageNowForm(forms.Form):
    target = forms.ChoiceField(label="Who to page", choices=())
    reason = forms.CharField(
        max_length=500,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words the person reads first, such as “checkout errors since 14:05”.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policies = EscalationPolicy.objects.filter(archived_at=None, team__archived_at=None).select_related("team")
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            ("Escalation policies", [(f"p:{p.pk}", f"{p.name} ({p.team.name})") for p in policies]),
            ("One person", [(f"u:{u.pk}", f"{u} ({u.username})") for u in people()]),
        ]

    def target_objects(self) -> tuple[EscalationPolicy | None, User | None]:
        kind, _, pk = self.cleaned_data["target"].partition(":")
        if not pk.isdigit():
            raise ValidationError({"target": "Choose a policy or a person from the list."})
        if kind == "p":
            policy = EscalationPolicy.objects.select_related("team").filter(pk=int(pk)).first()
            if policy is not None:
                return policy, None
        elif kind == "u":
            user = User.objects.filter(pk=int(pk)).first()
            if user is not None:
                return None, user
        raise ValidationError({"target": "Choose a policy or a person from the list."})
