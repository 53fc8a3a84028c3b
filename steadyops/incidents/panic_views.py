"""The panic button: known problems first, then one big button; the answer; “I see this too”."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steadyops.accounts.forms import apply_service_errors
from steadyops.accounts.models import Team
from steadyops.core import permissions
from steadyops.core.actor import Actor
from steadyops.core.htmx import AuthenticatedHttpRequest, posted, redirect_after_form, render_htmx, require
from steadyops.incidents import incident_services, intake_services
from steadyops.incidents.models import (
    Audience,
    Incident,
    IncidentStatus,
    Report,
    Signal,
    SignalStatus,
    StatusUpdate,
)
from steadyops.incidents.panic_forms import MeTooForm, PanicForm
from steadyops.incidents.ratelimit import RateLimited

# An open signal is shown as a known problem once this many people reported it.
KNOWN_SIGNAL_REPORTS = 2
KNOWN_SIGNALS_SHOWN = 10

STATUS_IN_WORDS = {
    IncidentStatus.INVESTIGATING: "Ops is looking into it.",
    IncidentStatus.IDENTIFIED: "Ops has found the cause and is fixing it.",
    IncidentStatus.MONITORING: "A fix is in place; ops is watching that it holds.",
    IncidentStatus.RESOLVED: "Fixed.",
}


def _known_problems(user_id: int) -> dict[str, Any]:
    """Open incidents and busy open signals, in plain words, and which of them this person already reported."""
    incidents: list[Incident] = list(incident_services.known_problems())
    latest: dict[int, StatusUpdate] = {}
    if incidents:
        updates = StatusUpdate.objects.filter(
            incident_id__in=[incident.pk for incident in incidents], audience=Audience.STAKEHOLDERS
        ).order_by("incident_id", "-created_at", "-pk")
        for update in updates:
            latest.setdefault(update.incident_id, update)
    signals = list(
        Signal.objects.filter(
            status__in=(SignalStatus.OPEN, SignalStatus.PAGED),
            incident__isnull=True,
            report_count__gte=KNOWN_SIGNAL_REPORTS,
        )
        .select_related("service")
        .order_by("-last_seen_at", "-pk")[:KNOWN_SIGNALS_SHOWN]
    )
    incident_ids = [incident.pk for incident in incidents]
    signal_ids = [signal.pk for signal in signals]
    # A report reaches an incident directly ("I see this too") or through the signal it joined.
    mine = Report.objects.filter(reporter_id=user_id).filter(
        Q(incident_id__in=incident_ids) | Q(signal__incident_id__in=incident_ids) | Q(signal_id__in=signal_ids)
    )
    reported_incidents: set[int] = set()
    reported_signals: set[int] = set()
    for incident_id, through_signal, signal_id in mine.values_list("incident_id", "signal__incident_id", "signal_id"):
        reported_incidents.update(pk for pk in (incident_id, through_signal) if pk)
        if signal_id:
            reported_signals.add(signal_id)
    return {
        "known_incidents": [
            {
                "incident": incident,
                "status_words": STATUS_IN_WORDS[IncidentStatus(incident.status)],
                "update": latest.get(incident.pk),
                "already": incident.pk in reported_incidents,
            }
            for incident in incidents
        ],
        "known_signals": [{"signal": signal, "already": signal.pk in reported_signals} for signal in signals],
    }


def _team(user_id: int) -> Team | None:
    return Team.objects.filter(memberships__user_id=user_id, archived_at=None).order_by("name").first()


def _panic_context(request: AuthenticatedHttpRequest, form: PanicForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "team": _team(request.user.pk),
        **_known_problems(request.user.pk),
        **extra,
    }


def _limited_words(error: RateLimited) -> str:
    minutes = max(1, round(error.retry_after / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return (
        "You pressed the button a moment ago, and we have your report: ops is already looking. "
        f"If something new breaks, you can press again in {wait}."
    )


@login_required
@require_http_methods(["GET", "POST"])
def panic(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_press_panic(request.user), "Your account cannot report problems.")
    form = PanicForm(posted(request))
    status = 200
    limited = ""
    retry_after = 0
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = intake_services.record_report(
                    actor=Actor.of_request(request),
                    what=data["what"],
                    where_url=data["where_url"],
                    service=data["service"],
                    customers=data["customers"],
                )
            except RateLimited as error:
                limited, status, retry_after = _limited_words(error), 429, error.retry_after
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect_after_form(request, reverse("incidents_panic_thanks", kwargs={"pk": report.pk}))
    response = render_htmx(
        request, "incidents/panic.html", _panic_context(request, form, limited=limited), "form", status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_GET
def panic_thanks(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Only the person who pressed sees the answer to their press.
    report = get_object_or_404(
        Report.objects.select_related("incident", "signal", "service"), pk=pk, reporter_id=request.user.pk
    )
    context = {"report": report, "answer_by": timezone.localtime(intake_services.answer_by(report.created_at))}
    return render(request, "incidents/panic_thanks.html", context)


@login_required
@require_POST
def panic_me_too(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(permissions.can_press_panic(request.user), "Your account cannot report problems.")
    form = MeTooForm(request.POST)
    if not form.is_valid():
        context = _panic_context(request, PanicForm(), limited="", me_too_error="Choose the problem you see too.")
        return render(request, "incidents/panic.html", context, status=400)
    incident = signal = None
    if form.cleaned_data["incident"]:
        incident = get_object_or_404(Incident, pk=form.cleaned_data["incident"])
        gone = not incident.is_open
    else:
        signal = get_object_or_404(Signal, pk=form.cleaned_data["signal"])
        gone = not signal.is_open
    if gone:
        messages.info(request, "Good news: that problem is already fixed. If you still see it, press the button.")
        return redirect("panic")
    try:
        report = intake_services.me_too(actor=Actor.of_request(request), incident=incident, signal=signal)
    except RateLimited as error:
        messages.warning(request, _limited_words(error))
        return redirect("panic")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("panic")
    return redirect_after_form(request, reverse("incidents_panic_thanks", kwargs={"pk": report.pk}))
