"""The headroom API: open findings, recomputing them, and the forecast of one metric series.

Mounted under /api/v1/demand/ by the demand router. Thin: the work is in headroom_services and forecasting.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from steadyops.accounts.models import Team
from steadyops.api.errors import ApiError, field_error
from steadyops.api.schemas import Slug
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.demand import forecasting, headroom_services
from steadyops.demand.models import FindingStatus, HeadroomFinding, MetricSeries, Verdict

router = Router(tags=["demand"])


class FindingOut(Schema):
    id: int
    service: str = Field(description="The service's slug.")
    service_name: str
    team: str = Field(description="The owning team's slug.")
    event: int = Field(description="The traffic event's id.")
    event_title: str
    environment: str
    verdict: Verdict
    peak: float | None = Field(description="The busy-day peak: the forecast's upper bound (90%) over the event.")
    unit: str
    needed: int | None
    current: int | None
    shortfall: int
    deadline: date | None = Field(description="The last day to add instances in time.")
    headroom_pct: float | None
    recommendation: str
    status: FindingStatus
    computed_at: datetime
    notified_at: datetime | None

    @staticmethod
    def resolve_service(finding: HeadroomFinding) -> str:
        return finding.service.slug

    @staticmethod
    def resolve_service_name(finding: HeadroomFinding) -> str:
        return finding.service.name

    @staticmethod
    def resolve_team(finding: HeadroomFinding) -> str:
        return finding.service.owner.slug

    @staticmethod
    def resolve_event(finding: HeadroomFinding) -> int:
        return finding.event_id

    @staticmethod
    def resolve_event_title(finding: HeadroomFinding) -> str:
        return finding.event.title

    @staticmethod
    def resolve_environment(finding: HeadroomFinding) -> str:
        return finding.environment.slug


class FindingFilters(Schema):
    team: Slug | None = Field(None, description="Only findings on this team's services.")


class RecomputeOut(Schema):
    assessed: int
    opened: int
    updated: int
    closed: int
    notified: int = Field(description="How many people were told of a new shortfall.")
    errors: list[str] = Field(description="Services that could not be forecast, and why.")
    summary: str


class ForecastFilters(Schema):
    horizon: int | None = Field(
        None, description="Steps after the last measured point (hours for an hourly series). Default: 14 days."
    )
    level: float = Field(0.9, gt=0, lt=1, description="How much of the likely range the bounds cover.")


class ForecastOut(Schema):
    series: int
    unit: str
    method: str = Field(description="seasonal_naive, ets or mstl: whichever did best on the series' own past.")
    level: float
    timestamps: list[datetime]
    point: list[float]
    lower: list[float]
    upper: list[float]


@router.get("/headroom/findings", response=list[FindingOut], url_name="demand_headroom_findings")
def list_findings(request: HttpRequest, filters: Query[FindingFilters]) -> list[HeadroomFinding]:
    """Open headroom findings, worst first: too late, short, cannot tell; nearest deadline first."""
    team = None
    if filters.team:
        team = Team.objects.filter(slug=filters.team).first()
        if team is None:
            message = f"There is no team {filters.team}."
            raise ApiError(422, message, details=[field_error("team", message, "query")])
    return headroom_services.ranked_findings(headroom_services.open_findings(team=team))


@router.post("/headroom/recompute", response=RecomputeOut, url_name="demand_headroom_recompute_api")
def recompute(request: HttpRequest) -> dict[str, object]:
    """Compare the forecast with production capacity for every upcoming event now: operators and administrators.
    Owners are told of each new shortfall once."""
    if not permissions.can_manage_metrics(request.user):
        raise PermissionDenied("Only operators and administrators can recompute headroom.")
    result = headroom_services.recompute_headroom(actor=Actor.of_request(request))
    return {
        "assessed": result.assessed,
        "opened": result.opened,
        "updated": result.updated,
        "closed": result.closed,
        "notified": result.notified,
        "errors": result.errors,
        "summary": headroom_services.summary(result),
    }


@router.get("/forecasts/{series_id}", response=ForecastOut, url_name="demand_series_forecast")
def series_forecast(request: HttpRequest, series_id: int, filters: Query[ForecastFilters]) -> dict[str, object]:
    """The forecast of one metric series with the traffic events that touch its service, `horizon` steps ahead
    (at most 400 days): timestamps with the point forecast and its lower and upper bounds."""
    series = get_object_or_404(MetricSeries, pk=series_id)
    try:
        result = forecasting.forecast_series(series, horizon=filters.horizon, level=filters.level)
    except forecasting.ForecastUnavailable as error:
        field = "horizon" if "horizon" in str(error) else None
        raise ApiError(422, str(error), details=[field_error(field, str(error), "query" if field else None)]) from None
    return {
        "series": series.pk,
        "unit": series.unit,
        "method": result.method,
        "level": result.level,
        "timestamps": [stamp.to_pydatetime() for stamp in result.point.index],
        "point": [round(float(v), 4) for v in result.point.to_numpy()],
        "lower": [round(float(v), 4) for v in result.lower.to_numpy()],
        "upper": [round(float(v), 4) for v in result.upper.to_numpy()],
    }
