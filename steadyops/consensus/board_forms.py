"""Forms of the idea-board pages: open a board, add an idea, pick the shortlist, merge duplicates."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from steadyops.accounts.models import Team, User
from steadyops.consensus.models.boards import (
    BOARD_DESCRIPTION_MAX,
    BOARD_QUESTION_MAX,
    BOARD_TITLE_MAX,
    IDEA_TEXT_MAX,
    VOTES_DEFAULT,
    VOTES_MAX,
    VOTES_MIN,
    Idea,
)
from steadyops.core import permissions


def team_choices(user: User) -> list[tuple[str, str]]:
    """The teams a person may keep a board or session for: their own, or any for administrators."""
    teams = Team.objects.filter(archived_at=None).order_by("name")
    if not permissions.is_admin(user):
        teams = teams.filter(pk__in=permissions.current_team_ids(user))
    return [("", "No team"), *((team.slug, team.name) for team in teams)]


def team_of(slug: str) -> Team | None:
    return Team.objects.filter(slug=slug).first() if slug else None


class BoardForm(forms.Form):
    title = forms.CharField(max_length=BOARD_TITLE_MAX, label="Title", help_text="A short name for the board.")
    question = forms.CharField(
        max_length=BOARD_QUESTION_MAX,
        label="Question",
        help_text="What people are asked for ideas on, for example “How do we cut pages at night?”.",
    )
    description = forms.CharField(
        required=False,
        max_length=BOARD_DESCRIPTION_MAX,
        label="More about it (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    team = forms.ChoiceField(
        required=False,
        label="Team",
        help_text="The team's members run the board with you: they pick the shortlist and open the vote.",
    )
    votes_per_person = forms.IntegerField(
        min_value=VOTES_MIN,
        max_value=VOTES_MAX,
        initial=VOTES_DEFAULT,
        label="Votes per person",
        help_text=f"Each person votes for this many ideas (from {VOTES_MIN} to {VOTES_MAX}; usually their top five).",
    )
    allow_anonymous_ideas = forms.BooleanField(required=False, label="Let people add ideas without their name")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = team_choices(user)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["team"] = team_of(data.get("team") or "")
        return data


class IdeaForm(forms.Form):
    text = forms.CharField(
        max_length=IDEA_TEXT_MAX,
        label="Your idea",
        help_text=f"One idea at a time, in a sentence or two (at most {IDEA_TEXT_MAX} characters).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(required=False, label="Add it without my name")

    def __init__(self, *args: Any, allow_anonymous: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_anonymous:
            del self.fields["anonymous"]


class ShortlistForm(forms.Form):
    ideas = forms.MultipleChoiceField(
        required=False,
        label="The shortlist",
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the ideas people will vote on. With none ticked, every idea is on the ballot.",
    )

    def __init__(self, *args: Any, ideas: list[Idea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["ideas"])
        field.choices = [(str(idea.pk), idea.text) for idea in ideas]
        if not self.is_bound:
            field.initial = [str(idea.pk) for idea in ideas if idea.shortlisted]

    def idea_ids(self) -> set[int]:
        return {int(value) for value in self.cleaned_data["ideas"]}


class MergeForm(forms.Form):
    source = forms.ChoiceField(label="Duplicate idea", help_text="This idea is shown under the other one.")
    target = forms.ChoiceField(label="Merge into", help_text="Votes for the duplicate count for this idea.")

    def __init__(self, *args: Any, ideas: list[Idea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose an idea"), *((str(idea.pk), idea.text[:90]) for idea in ideas)]
        cast(forms.ChoiceField, self.fields["source"]).choices = choices
        cast(forms.ChoiceField, self.fields["target"]).choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "An idea cannot be merged into itself; choose two different ideas.")
        return data
