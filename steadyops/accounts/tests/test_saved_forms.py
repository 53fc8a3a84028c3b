"""saved(): a posted form goes through its service once valid; a refusal by either ends up on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steadyops.accounts.forms import saved


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def test_a_valid_form_returns_what_the_service_made() -> None:
    calls: list[dict[str, Any]] = []

    def save(data: dict[str, Any]) -> str:
        calls.append(data)
        return f"made {data['name']}"

    form = NameForm({"name": "Ops"})
    assert saved(form, save) == "made Ops"
    assert calls == [{"name": "Ops"}]
    assert form.errors == {}


def test_an_invalid_form_never_reaches_the_service() -> None:
    def save(data: dict[str, Any]) -> str:
        raise AssertionError("the service must not be called")

    form = NameForm({"name": "x" * 11})
    assert saved(form, save) is None
    assert form.errors == {"name": ["Ensure this value has at most 10 characters (it has 11)."]}


def test_a_service_refusal_goes_next_to_its_field_or_above_the_form() -> None:
    def refuse_name(data: dict[str, Any]) -> str:
        raise ValidationError({"name": "That name is taken."})

    def refuse_all(data: dict[str, Any]) -> str:
        raise ValidationError("Only operators may do this.")

    by_field = NameForm({"name": "Ops"})
    assert saved(by_field, refuse_name) is None
    assert by_field.errors == {"name": ["That name is taken."]}
    whole = NameForm({"name": "Ops"})
    assert saved(whole, refuse_all) is None
    assert whole.non_field_errors() == ["Only operators may do this."]
