"""Forms of the 0-5 topic pages: raise or change a topic, vote, open the next round, close with an outcome."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q

from steadyops.accounts.models import Role, Team, User
from steadyops.consensus.models.topics import (
    CONTEXT_MAX,
    NOTE_MAX,
    OUTCOME_MAX,
    QUESTION_MAX,
    REASON_MAX,
    ClosingRule,
    Topic,
    VoteValue,
)
from steadyops.consensus.topic_services import MAX_QUORUM
from steadyops.core import permissions

ANONYMOUS_HELP = (
    "Nobody, not you and not an administrator, will see who voted what; only how many chose each value. "
    "Once you choose this it cannot be undone."
)


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class TopicForm(forms.Form):
    """Raise a topic (or change it before anyone has voted)."""

    question = forms.CharField(
        max_length=QUESTION_MAX,
        label="Question",
        help_text="What people answer from 0 to 5, for example “Shall we move the release day to Tuesday?”",
    )
    context = forms.CharField(
        max_length=CONTEXT_MAX,
        required=False,
        label="Background",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What people need to know to vote: the proposal, the options, links. Markdown works.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Kept for team",
        empty_label="No team (only you run it)",
        help_text="Members of this team may open rounds and close the topic with you.",
    )
    invited_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.filter(archived_at=None).order_by("name"),
        required=False,
        label="Invite teams",
        widget=forms.CheckboxSelectMultiple,
    )
    invited_people = PersonChoice(
        queryset=User.objects.filter(is_active=True).exclude(role=Role.VIEWER).order_by("username"),
        required=False,
        label="Invite people",
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Invite nobody and everyone who can vote in steadyops may vote.",
    )
    deadline = forms.DateTimeField(
        required=False,
        label="Decide by",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Invited people who have not voted get a reminder a day before.",
    )
    rule = forms.ChoiceField(
        choices=ClosingRule.choices, initial=ClosingRule.PRACTICE, label="How votes decide", widget=forms.RadioSelect
    )
    quorum = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_QUORUM,
        label="Fewest votes for the result to count",
        help_text="Leave empty to count any number of votes.",
    )
    anonymous = forms.BooleanField(required=False, label="Anonymous voting", help_text=ANONYMOUS_HELP)
    board = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, topic: Topic | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = cast(forms.ModelChoiceField, self.fields["team"])
        teams = Team.objects.filter(archived_at=None).order_by("name")
        if not permissions.is_admin(user):
            keep = Q(pk__in=permissions.current_team_ids(user))
            if topic is not None and topic.team_id:
                keep |= Q(pk=topic.team_id)
            teams = teams.filter(keep)
        team_field.queryset = teams
        if topic is not None:
            del self.fields["board"]
            if topic.anonymous:
                self.fields["anonymous"].disabled = True
                self.fields["anonymous"].help_text = "This topic is anonymous; that cannot be undone."


def prefill(params: Any) -> dict[str, Any]:
    """Initial values from a link (an idea board's winner, for example): ?question=&context=&board=."""
    initial: dict[str, Any] = {}
    question = str(params.get("question", "")).strip()
    if question:
        initial["question"] = question[:QUESTION_MAX]
    context = str(params.get("context", "")).strip()
    if context:
        initial["context"] = context[:CONTEXT_MAX]
    board = str(params.get("board", ""))
    if board.isdigit() and 0 < int(board) < 2**63:
        initial["board"] = int(board)
    return initial


VALUE_ERROR = "Choose a value from 0 to 5."


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[(value, f"{value}: {label}") for value, label in VoteValue.choices],
        coerce=int,
        label="Your answer",
        widget=forms.RadioSelect,
        error_messages={"required": VALUE_ERROR, "invalid_choice": VALUE_ERROR},
    )
    reason = forms.CharField(
        max_length=REASON_MAX,
        required=False,
        label="Why (needed for 0)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="If you block, say what you need changed. For any other answer a reason helps the discussion.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("value") == 0 and not str(data.get("reason", "")).strip():
            self.add_error("reason", "A block (0) needs a reason: say what you need changed.")
        return data


class NextRoundForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX,
        label="What changed since this round",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="People see this before they vote again.",
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        max_length=OUTCOME_MAX,
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the group agreed, or why it stopped here. This is what people will read later.",
    )


SHOW_CHOICES = [("open", "Open"), ("closed", "Closed"), ("mine", "Raised by me"), ("all", "All")]


class TopicFilterForm(forms.Form):
    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False, label="Show")
