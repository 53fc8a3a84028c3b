"""The catalog: what runs, who owns it, what it needs, and what it can handle."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from steadyops.accounts.models import Team

# Paths like /catalog/services/new/ would hide a service with one of these slugs.
RESERVED_SLUGS = frozenset({"new"})
NAME_MAX = 100
DESCRIPTION_MAX = 2000
TEXT_MAX = 1000
TAGS_MAX = 20
TAG_MAX = 40
LINKS_MAX = 20
LINK_TITLE_MAX = 100
LINK_URL_MAX = 500
INSTANCES_MAX = 100_000
LOCATION_MAX = 500


class Tier(models.IntegerChoices):
    """How much the business suffers when a service stops, in words a manager recognises."""

    CRITICAL = 1, "Critical: the business stops"
    IMPORTANT = 2, "Important: customers notice and money is lost"
    SUPPORTING = 3, "Supporting: staff are slowed down, customers barely notice"
    MINOR = 4, "Minor: it can wait until office hours"


class Lifecycle(models.TextChoices):
    EXPERIMENTAL = "experimental", "Experimental"
    PRODUCTION = "production", "In production"
    DEPRECATED = "deprecated", "Being retired"


class ResourceKind(models.TextChoices):
    DATABASE = "database", "Database"
    QUEUE = "queue", "Queue"
    CACHE = "cache", "Cache"
    STORAGE = "storage", "File or object storage"
    VENDOR = "vendor", "Outside vendor"
    OTHER = "other", "Other"


class Degrades(models.TextChoices):
    """Whether the depending component keeps working, worse, when what it needs is gone."""

    YES = "yes", "Yes, it keeps working in a reduced way"
    NO = "no", "No, it stops working"
    UNKNOWN = "unknown", "Nobody knows yet"


class System(models.Model):
    """A group of services that together do one job for the business, such as the storefront or payments."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=NAME_MAX, unique=True)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    owner = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="systems", help_text="Optional."
    )
    import_source = models.CharField(
        max_length=LOCATION_MAX,
        blank=True,
        editable=False,
        help_text="The catalog folder or file it was imported from.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """Something a team builds and runs: a website, an API, a worker. It has one owning team, always."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.SUPPORTING)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.PRODUCTION)
    owner = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    secondary_owners: models.ManyToManyField[Team, models.Model] = models.ManyToManyField(
        Team, blank=True, related_name="co_owned_services"
    )
    user_facing = models.BooleanField(
        default=False,
        help_text="Customers use it directly. The SPOF finder starts from these entry points.",
    )
    system = models.ForeignKey(System, null=True, blank=True, on_delete=models.SET_NULL, related_name="services")
    tags = models.JSONField(default=list, blank=True, help_text="A list of short words.")
    links = models.JSONField(default=list, blank=True, help_text="A list of {title, url}.")
    manual_location = models.CharField(
        max_length=LOCATION_MAX, blank=True, help_text="Where its owner's manual lives, such as dir:./docs."
    )
    annotations = models.JSONField(default=dict, blank=True, help_text="Backstage annotations, kept as imported.")
    import_source = models.CharField(
        max_length=LOCATION_MAX,
        blank=True,
        editable=False,
        help_text="The catalog folder or file it was imported from.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "slug"]
        constraints = [models.CheckConstraint(condition=Q(tier__gte=1, tier__lte=4), name="service_tier_1_to_4")]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """Something services need but nobody deploys as code: a database, a queue, a cache, an outside vendor."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    kind = models.CharField(max_length=16, choices=ResourceKind.choices, default=ResourceKind.OTHER)
    owner = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="resources")
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    annotations = models.JSONField(default=dict, blank=True, help_text="Backstage annotations, kept as imported.")
    import_source = models.CharField(
        max_length=LOCATION_MAX,
        blank=True,
        editable=False,
        help_text="The catalog folder or file it was imported from.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self) -> str:
        return self.name


def _exactly_one(first: str, second: str) -> Q:
    return Q(**{f"{first}__isnull": False, f"{second}__isnull": True}) | Q(
        **{f"{first}__isnull": True, f"{second}__isnull": False}
    )


class Dependency(models.Model):
    """One component needing another: a service calling an API, reading a database, paying through a vendor.

    A component is a service or a resource, so each end is a pair of nullable foreign keys with a check that
    exactly one is set. Real foreign keys keep referential integrity and let the database refuse duplicates and
    self-loops; a generic relation or a separate component table would give up one or the other.
    """

    source_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_out"
    )
    source_resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_out"
    )
    target_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_in"
    )
    target_resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_in"
    )
    hard = models.BooleanField(
        default=True, help_text="Hard: the source cannot do its job without the target. Soft: it can, worse."
    )
    degrades = models.CharField(max_length=8, choices=Degrades.choices, default=Degrades.UNKNOWN)
    fallback = models.TextField(blank=True, max_length=TEXT_MAX, help_text="What happens instead when it is gone.")
    note = models.TextField(blank=True, max_length=TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "dependencies"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("source_service", "source_resource"), name="dependency_one_source"
            ),
            models.CheckConstraint(
                condition=_exactly_one("target_service", "target_resource"), name="dependency_one_target"
            ),
            # A NULL comparison passes a check, so each only bites when both ends are of that kind.
            models.CheckConstraint(
                condition=~Q(source_service=F("target_service")), name="dependency_no_service_self_loop"
            ),
            models.CheckConstraint(
                condition=~Q(source_resource=F("target_resource")), name="dependency_no_resource_self_loop"
            ),
            *(
                models.UniqueConstraint(
                    fields=[source, target],
                    condition=Q(**{f"{source}__isnull": False, f"{target}__isnull": False}),
                    name=f"dependency_unique_{source}_{target}",
                )
                for source in ("source_service", "source_resource")
                for target in ("target_service", "target_resource")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"

    @property
    def source(self) -> Service | Resource:
        return self.source_service or self.source_resource  # type: ignore[return-value]

    @property
    def target(self) -> Service | Resource:
        return self.target_service or self.target_resource  # type: ignore[return-value]

    @property
    def plain_words(self) -> str:
        """What happens to the source when the target fails, for someone who has never read a runbook."""
        source, target = self.source, self.target
        if not self.hard:
            effect = f"{source} keeps working without {target}, in a reduced way"
        elif self.degrades == Degrades.YES:
            effect = f"{source} needs {target}, but keeps working in a reduced way without it"
        elif self.degrades == Degrades.NO:
            effect = f"{source} stops working when {target} is down"
        else:
            effect = f"{source} needs {target}; nobody knows yet what happens when {target} is down"
        return f"{effect}." + (f" Instead: {self.fallback}" if self.fallback else "")


class Environment(models.Model):
    """Where a copy of the services runs: production, staging. Capacity is recorded per environment."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=NAME_MAX, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first; production is 0.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


redundancy_validator = RegexValidator(
    r"^N(\+[0-9]{1,3})?$", "Write it as N, N+1, N+2 …: how many instances may fail with no harm."
)


class Capacity(models.Model):
    """What a service (or a resource) can handle in one environment, and how sure we are of it.

    instances, zones and regions say how it is spread, which the SPOF finder reads; the per-instance figure and
    the load test that measured it are what the demand module compares forecasts against.
    """

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="capacities")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="capacities")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="capacities")
    instances = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(INSTANCES_MAX)]
    )
    zones = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Availability zones."
    )
    regions = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(50)])
    per_instance_capacity = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="How much one instance handles within the latency objective.",
    )
    unit = models.CharField(max_length=30, blank=True, default="requests/s", help_text="requests/s, jobs/min …")
    load_test_date = models.DateField(null=True, blank=True)
    load_test_method = models.CharField(max_length=200, blank=True, help_text="How it was measured.")
    load_test_rate = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The rate reached within the latency objective.",
    )
    latency_objective_ms = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600_000)]
    )
    target_utilisation = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Per cent of capacity to run at, at most.",
    )
    redundancy_intent = models.CharField(max_length=8, blank=True, validators=[redundancy_validator])
    provisioning_lead_time_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(3650)]
    )
    pool_repurposable = models.BooleanField(default=False, help_text="Spare instances can be taken from a shared pool.")
    note = models.TextField(blank=True, max_length=TEXT_MAX)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "capacities"
        ordering = ["environment__position", "id"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one("service", "resource"), name="capacity_one_component"),
            models.UniqueConstraint(
                fields=["service", "environment"],
                condition=Q(service__isnull=False),
                name="capacity_unique_service_environment",
            ),
            models.UniqueConstraint(
                fields=["resource", "environment"],
                condition=Q(resource__isnull=False),
                name="capacity_unique_resource_environment",
            ),
            models.CheckConstraint(condition=Q(instances__gte=1), name="capacity_instances_positive"),
            models.CheckConstraint(condition=Q(zones__gte=1, regions__gte=1), name="capacity_zones_regions_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.component} in {self.environment}"

    @property
    def component(self) -> Service | Resource:
        return self.service or self.resource  # type: ignore[return-value]

    @property
    def total_capacity(self) -> object:
        if self.per_instance_capacity is None:
            return None
        return self.per_instance_capacity * self.instances


class FindingKind(models.TextChoices):
    """Why a component is a single point of failure, in the words the SPOF page uses."""

    CUTS_OFF = "cuts_off", "Nothing on record shows it is redundant"
    SINGLE_INSTANCE = "single_instance", "It runs as one instance"
    SINGLE_ZONE = "single_zone", "All its instances run in one zone"
    NO_FALLBACK = "no_fallback", "Nobody described what happens without it"


ACCEPTANCE_DAYS_MAX = 365


class AcceptedRisk(models.Model):
    """A single point of failure its owners know of and accept for a while, with their reason.

    A finding is named by its component, its kind and, for a missing fallback (one finding per dependency), the
    depending component; keys are "service:slug" or "resource:slug". Until `expires_on` the finding is listed apart
    as accepted; from that day on it counts again, so an accepted risk is looked at again at least once a year.
    """

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="accepted_risks")
    component_key = models.CharField(max_length=70)
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    dependent_key = models.CharField(max_length=70, blank=True)
    reason = models.TextField(max_length=TEXT_MAX)
    accepted_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="accepted_risks"
    )
    accepted_at = models.DateTimeField(auto_now_add=True)
    expires_on = models.DateField(help_text="From this day on the finding counts again.")
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "component_key", "kind", "dependent_key"],
                condition=Q(archived_at__isnull=True),
                name="accepted_risk_one_current_per_finding",
            ),
        ]

    def __str__(self) -> str:
        about = f" from {self.dependent_key}" if self.dependent_key else ""
        return f"{self.get_kind_display()}: {self.component_key}{about}"
