from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.text import slugify

from steadyops.accounts import scopes
from steadyops.accounts.models import RESERVED_NAMES, Role, Team, User
from steadyops.core import permissions
from steadyops.notify import services as notify
from steadyops.notify.models import ChannelKind


def apply_service_errors(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: next to the field it names, or above the form.

    aliases names the form field that stands for a model field the form does not show (a team's slug is its name).
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (aliases or {}).get(field, field)
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)


T = TypeVar("T")


def saved(form: forms.Form, save: Callable[[dict[str, Any]], T]) -> T | None:
    """A posted form through its service: when the form is valid, save(cleaned_data) and return what the service
    made or changed. When the form or the service refuses, None, with the errors on the form (a service's next to
    the field it names). save returns the object, never None."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        apply_service_errors(form, error)
        return None


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", help_text="What uses the token, for example “checkout deploy pipeline”."
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        help_text="Choose as little as it needs.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = permissions.allowed_scopes(user, list(scopes.SCOPES))
        scope_field = cast(forms.MultipleChoiceField, self.fields["scopes"])
        scope_field.choices = [(name, f"{name}: {scopes.SCOPES[name]}") for name in offered]


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name")
    description = forms.CharField(
        max_length=2000,
        required=False,
        label="Description",
        help_text="What the team does, in a sentence or two.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_operations = forms.BooleanField(
        required=False,
        initial=True,
        label="Operations or engineering team",
        help_text="Tick for teams that run services; leave empty for marketing, sales or support.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name.lower() in RESERVED_NAMES:
            raise ValidationError("Please choose another name; “new” is kept for the page that creates teams.")
        if not slugify(name):
            raise ValidationError("Use at least one letter or digit (a to z, 0 to 9) in the name.")
        return name


class PersonChoiceField(forms.ModelChoiceField):
    """A person picked by user name, shown with their name and user name so two people called alike differ."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})"


class MemberAddForm(forms.Form):
    user = PersonChoiceField(
        queryset=User.objects.none(), to_field_name="username", label="Person", empty_label="Choose a person"
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = cast(PersonChoiceField, self.fields["user"])
        person.queryset = User.objects.filter(is_active=True).exclude(memberships__team=team).order_by("username")


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name")


class PersonInviteForm(forms.Form):
    username = forms.CharField(
        max_length=150, label="User name", help_text="What they type to sign in. Letters, digits and @ . + - _ only."
    )
    email = forms.EmailField(max_length=254, label="Email address", help_text="We send the invitation here.")
    display_name = forms.CharField(max_length=150, required=False, label="Name", help_text="Shown to others.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER, label="Role")
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.filter(archived_at=None).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Teams",
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username.lower() in RESERVED_NAMES:
            raise ValidationError("Please choose another user name; “new” is kept for the page that adds people.")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Someone already has this user name.")
        return username


class PersonEditForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")
    display_name = forms.CharField(max_length=150, required=False, label="Name")
    role = forms.ChoiceField(choices=Role.choices, label="Role")
    is_active = forms.BooleanField(
        required=False,
        label="May sign in",
        help_text="Untick when someone leaves: their history stays, their tokens stop.",
    )


class LoginForm(AuthenticationForm):
    """Django's sign-in form, refusing over-long user names before they reach authentication and its lockout log."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # AuthenticationForm sets max_length after the field's validators are built, so it is not enforced; an
        # over-long name would otherwise reach django-axes, whose attempt log holds 255 characters.
        max_length = User._meta.get_field("username").max_length
        if max_length is not None and len(username) > max_length:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return username


class OutboxPasswordResetForm(PasswordResetForm):
    """Sends the reset link through the outbox, so a mail server that is down delays the email instead of failing."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        notify.enqueue(
            kind=ChannelKind.EMAIL,
            target=to_email,
            event="user.password_reset",
            subject=subject,
            body=body,
            recipient=context.get("user"),
            urgent=True,
        )
