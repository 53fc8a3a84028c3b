"""Forms for the catalog pages. They parse what people type; the rules live in catalog.services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from steadyops.accounts.models import Team
from steadyops.catalog.models import (
    DESCRIPTION_MAX,
    LINK_URL_MAX,
    LINKS_MAX,
    NAME_MAX,
    TEXT_MAX,
    Capacity,
    Degrades,
    Environment,
    FindingKind,
    Lifecycle,
    Resource,
    ResourceKind,
    Service,
    System,
    Tier,
)

SEARCH_MAX = 100


def _operations_teams() -> Any:
    return Team.objects.filter(archived_at=None, is_operations=True).order_by("name")


class ServiceFilterForm(forms.Form):
    """The filters above the service list."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label="Search")
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", required=False, label="Team", empty_label="Any team"
    )
    system = forms.ModelChoiceField(
        queryset=System.objects.none(), to_field_name="slug", required=False, label="System", empty_label="Any system"
    )
    tier = forms.TypedChoiceField(
        choices=[("", "Any tier"), *Tier.choices], coerce=int, empty_value=None, required=False, label="Tier"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = _operations_teams()
        cast(forms.ModelChoiceField, self.fields["system"]).queryset = System.objects.filter(archived_at=None)


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Short name",
        help_text="Used in addresses and by scripts: letters, digits and dashes. Made from the name when empty.",
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        label="What it does",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", label="Owning team", empty_label="Choose a team"
    )
    secondary_owners = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also looked after by",
    )
    tier = forms.TypedChoiceField(choices=Tier.choices, coerce=int, initial=Tier.SUPPORTING, label="How important")
    lifecycle = forms.ChoiceField(choices=Lifecycle.choices, initial=Lifecycle.PRODUCTION, label="Stage")
    user_facing = forms.BooleanField(required=False, label="Customers use it directly")
    system = forms.ModelChoiceField(
        queryset=System.objects.none(), to_field_name="slug", required=False, label="System", empty_label="None"
    )
    tags = forms.CharField(max_length=1000, required=False, label="Tags", help_text="Short words, separated by commas.")
    links = forms.CharField(
        max_length=LINKS_MAX * (LINK_URL_MAX + 110),
        required=False,
        label="Links",
        help_text="One per line: a title, a space and the address, e.g. “Dashboard https://grafana.example.com/d/1”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, service: Service | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = _operations_teams()
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = teams
        cast(forms.ModelMultipleChoiceField, self.fields["secondary_owners"]).queryset = teams
        cast(forms.ModelChoiceField, self.fields["system"]).queryset = System.objects.filter(archived_at=None)
        if service is not None:
            del self.fields["slug"]

    def clean_tags(self) -> list[str]:
        return [word.strip() for word in self.cleaned_data["tags"].split(",") if word.strip()]

    def clean_links(self) -> list[dict[str, str]]:
        links = []
        for line in self.cleaned_data["links"].splitlines():
            line = line.strip()
            if not line:
                continue
            title, _, url = line.rpartition(" ")
            links.append({"title": title.strip(), "url": url})
        return links

    @staticmethod
    def initial_for(service: Service) -> dict[str, Any]:
        return {
            "name": service.name,
            "description": service.description,
            "owner": service.owner.slug,
            "secondary_owners": [team.slug for team in service.secondary_owners.all()],
            "tier": service.tier,
            "lifecycle": service.lifecycle,
            "user_facing": service.user_facing,
            "system": service.system.slug if service.system else None,
            "tags": ", ".join(service.tags),
            "links": "\n".join(f"{link['title']} {link['url']}" for link in service.links),
        }


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Short name",
        help_text="Letters, digits and dashes. Made from the name when empty.",
    )
    kind = forms.ChoiceField(choices=ResourceKind.choices, label="Kind")
    owner = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", label="Owning team", empty_label="Choose a team"
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, label="Description", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, resource: Resource | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _operations_teams()
        if resource is not None:
            del self.fields["slug"]


class SystemForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, label="What it does", widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", required=False, label="Team", empty_label="No one team"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _operations_teams()


class EnvironmentForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name", help_text="For example “Staging” or “Test”.")
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Short name",
        help_text="Used in addresses and by scripts: letters, digits and dashes. Made from the name when empty. "
        "It cannot be changed later.",
    )
    position = forms.IntegerField(
        min_value=0,
        max_value=32767,
        initial=10,
        label="Place in lists",
        help_text="Lower comes first; production is 0.",
    )

    def __init__(self, *args: Any, environment: Environment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if environment is not None:
            # Renaming keeps the short name and the place, which addresses, scripts and capacity records use.
            del self.fields["slug"]
            del self.fields["position"]


class ComponentChoiceField(forms.ChoiceField):
    """A service or a resource, chosen from one list as “service:slug” or “resource:slug”."""


class DependencyAddForm(forms.Form):
    target = ComponentChoiceField(label="Needs", choices=())
    hard = forms.TypedChoiceField(
        label="How much",
        choices=[("1", "Hard: it cannot do its job without it"), ("0", "Soft: it can, in a reduced way")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    degrades = forms.ChoiceField(
        label="When it is down, does this service keep working?", choices=Degrades.choices, initial=Degrades.UNKNOWN
    )
    fallback = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label="What happens instead",
        help_text="For example “shows cached prices” or “queues the orders”.",
    )

    def __init__(self, *args: Any, source: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        taken_services = set(
            source.dependencies_out.exclude(target_service=None).values_list("target_service", flat=True)
        )
        taken_resources = set(
            source.dependencies_out.exclude(target_resource=None).values_list("target_resource", flat=True)
        )
        services = Service.objects.filter(archived_at=None).exclude(Q(pk=source.pk) | Q(pk__in=taken_services))
        resources = Resource.objects.filter(archived_at=None).exclude(pk__in=taken_resources)
        cast(ComponentChoiceField, self.fields["target"]).choices = [
            ("", "Choose a service or resource"),
            ("Services", [(f"service:{s.slug}", s.name) for s in services.order_by("name")]),
            ("Resources", [(f"resource:{r.slug}", f"{r.name} ({r.get_kind_display()})") for r in resources]),
        ]

    def clean_target(self) -> Service | Resource:
        kind, _, slug = self.cleaned_data["target"].partition(":")
        model = Service if kind == "service" else Resource
        target = model.objects.filter(slug=slug, archived_at=None).first()
        if target is None:
            raise ValidationError("Choose a service or resource from the list.")
        return target


class CapacityForm(forms.ModelForm):
    class Meta:
        model = Capacity
        fields = [
            "instances",
            "zones",
            "regions",
            "per_instance_capacity",
            "unit",
            "load_test_date",
            "load_test_method",
            "load_test_rate",
            "latency_objective_ms",
            "target_utilisation",
            "redundancy_intent",
            "provisioning_lead_time_days",
            "pool_repurposable",
            "note",
        ]
        labels = {
            "instances": "Instances",
            "zones": "Availability zones",
            "regions": "Regions",
            "per_instance_capacity": "What one instance handles",
            "unit": "Unit",
            "load_test_date": "Load test date",
            "load_test_method": "Load test method",
            "load_test_rate": "Rate reached in the load test",
            "latency_objective_ms": "Latency objective (milliseconds)",
            "target_utilisation": "Target utilisation (%)",
            "redundancy_intent": "Redundancy intent",
            "provisioning_lead_time_days": "Days to get more instances",
            "pool_repurposable": "Spare instances can come from a shared pool",
            "note": "Note",
        }
        help_texts = {"redundancy_intent": "N+1 means one instance may fail with no harm."}
        widgets = {
            "load_test_date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


# --- Single points of failure ---------------------------------------------------


class SpofFilterForm(forms.Form):
    """The choices above the SPOF list: which environment, and whose findings."""

    environment = forms.ModelChoiceField(
        queryset=Environment.objects.all(),
        to_field_name="slug",
        required=False,
        label="Environment",
        empty_label="Production",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", required=False, label="Team", empty_label="Any team"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = _operations_teams()


class AcceptRiskForm(forms.Form):
    """Accept one finding as a known risk: why, and until when."""

    environment = forms.SlugField(max_length=50, widget=forms.HiddenInput)
    component = forms.CharField(max_length=70, widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=FindingKind.choices, widget=forms.HiddenInput)
    dependent = forms.CharField(max_length=70, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=TEXT_MAX,
        label="Why we accept this for now",
        help_text="For example “a second zone is planned for March; the vendor has a 99.99% promise”.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = forms.DateField(
        label="Look at it again on",
        help_text="At most a year from today. From that day on it counts as a risk again.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class WhatIfForm(forms.Form):
    """Pick a component to see what its failure takes down."""

    component = forms.ChoiceField(label="If this fails", choices=())
    environment = forms.ModelChoiceField(
        queryset=Environment.objects.all(),
        to_field_name="slug",
        required=False,
        label="Environment",
        empty_label="Production",
    )

    def __init__(self, *args: Any, components: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = [(c.key, c.name) for c in components if c.type == "service"]
        resources = [(c.key, c.name) for c in components if c.type == "resource"]
        cast(forms.ChoiceField, self.fields["component"]).choices = [
            ("", "Choose a service or resource"),
            ("Services", services),
            ("Resources", resources),
        ]
