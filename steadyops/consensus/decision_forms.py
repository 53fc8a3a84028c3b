"""Forms for the decision log. They parse what people type; the rules live in consensus.decision_services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.db.models import Model, QuerySet

from steadyops.accounts.models import Team
from steadyops.consensus.decision_services import PEOPLE_MAX, SECTION_MAX, SETTABLE_STATUSES, TITLE_MAX
from steadyops.consensus.models import Decision, DecisionStatus

SEARCH_MAX = 200

# Form field (and GET parameter) → (model name in consensus, Decision's many-to-many field).
LINKABLE = {"topic": ("Topic", "topics"), "board": ("IdeaBoard", "boards"), "session": ("WorkingSession", "sessions")}
# Form field → the service's keyword (the form uses the short names other pages prefill with).
RENAMED = {"context": "context_and_problem", "outcome": "decision_outcome"}


def linkable_models() -> dict[str, tuple[type[Model], str]]:
    """The kinds of item a decision can be linked to in this installation."""
    found: dict[str, tuple[type[Model], str]] = {}
    decision_fields = {field.name for field in Decision._meta.get_fields()}
    for key, (model_name, field) in LINKABLE.items():
        try:
            model = apps.get_model("consensus", model_name)
        except LookupError:
            continue
        if field in decision_fields:
            found[key] = (model, field)
    return found


def _text(label: str, limit: int, rows: int = 4, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        strip=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DecisionFilterForm(forms.Form):
    """The search box and status filter above the decision log."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label="Search")
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *DecisionStatus.choices])
    withdrawn = forms.BooleanField(required=False, label="Show withdrawn records")


class DecisionForm(forms.Form):
    """Write a decision down or change it: the sections of a MADR record, in plain words."""

    title = forms.CharField(max_length=TITLE_MAX, label="Title", help_text="The decision in a few words.")
    context = _text(
        "Context and problem",
        SECTION_MAX,
        rows=5,
        help_text="What question are we answering, and why now? Markdown works here and below.",
    )
    decision_drivers = _text("What matters most", SECTION_MAX, help_text="The forces and concerns, one per line.")
    considered_options = _text("Options we looked at", SECTION_MAX)
    outcome = _text("What we decided, and why", SECTION_MAX, rows=5)
    consequences = _text("Consequences", SECTION_MAX, help_text="What gets better, and what gets harder.")
    confirmation = _text("How we will know it is followed", SECTION_MAX, rows=3)
    more_information = _text("More information", SECTION_MAX, rows=3)
    status = forms.ChoiceField(
        label="Status",
        choices=[(str(value), str(DecisionStatus(value).label)) for value in SETTABLE_STATUSES],
        initial=DecisionStatus.PROPOSED,
    )
    date = forms.DateField(
        required=False,
        label="Date",
        help_text="When it was decided; today when left empty.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        to_field_name="slug",
        label="Kept by team",
        empty_label="No team",
        help_text="Members of this team may change the decision later.",
    )
    decision_makers = forms.CharField(label="Who decided", required=False, max_length=PEOPLE_MAX)
    consulted = forms.CharField(label="Who was asked", required=False, max_length=PEOPLE_MAX)
    informed = forms.CharField(label="Who was told", required=False, max_length=PEOPLE_MAX)

    def __init__(
        self, *args: Any, teams: QuerySet[Team] | None = None, with_links: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams if teams is not None else Team.objects.none()
        self.link_fields: list[str] = []
        if with_links:
            for key, (model, _) in linkable_models().items():
                self.fields[key] = forms.ModelChoiceField(
                    queryset=model._default_manager.all(), required=False, widget=forms.HiddenInput
                )
                self.link_fields.append(key)

    @staticmethod
    def initial_for(decision: Decision) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": decision.title,
            "status": decision.status,
            "date": decision.date,
            "team": decision.team.slug if decision.team else None,
        }
        for field in ("decision_drivers", "considered_options", "consequences", "confirmation", "more_information"):
            data[field] = getattr(decision, field)
        for field in ("decision_makers", "consulted", "informed"):
            data[field] = getattr(decision, field)
        data["context"] = decision.context_and_problem
        data["outcome"] = decision.decision_outcome
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data under the names the services take, with links gathered as {field: [items]}."""
        data = dict(self.cleaned_data)
        links: dict[str, list[Model]] = {}
        models = linkable_models()
        for key in self.link_fields:
            item = data.pop(key, None)
            if item is not None:
                links[models[key][1]] = [item]
        for short, long in RENAMED.items():
            data[long] = data.pop(short)
        data["links"] = links
        return data


class SupersedeForm(forms.Form):
    """Choose the earlier decision that this one replaces."""

    old = forms.ModelChoiceField(
        queryset=Decision.objects.none(),
        label="Number of the decision this one replaces",
        to_field_name="number",
        widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"invalid_choice": "There is no current decision with that number."},
    )

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = (
            Decision.objects.filter(withdrawn_at=None)
            .exclude(pk=decision.pk)
            .exclude(status=DecisionStatus.SUPERSEDED)
            .order_by("-number")
        )
        cast(forms.ModelChoiceField, self.fields["old"]).queryset = candidates
