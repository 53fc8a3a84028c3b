"""Alert webhook payloads read into plain values: Prometheus Alertmanager's (version "4") and a small generic one.

Pure: bytes or decoded JSON in, ``ParsedAlert`` values out, ``PayloadError`` with a clear message for anything
that cannot be used. Unknown fields are ignored, as Alertmanager adds fields over time.

Alertmanager (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)::

    {"version": "4", "groupKey": "...", "truncatedAlerts": 0, "status": "firing", "receiver": "steadyops",
     "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...}, "externalURL": "...",
     "alerts": [{"status": "firing", "labels": {...}, "annotations": {...}, "startsAt": "...", "endsAt": "...",
                 "generatorURL": "...", "fingerprint": "..."}]}

Generic (one alert, or {"alerts": [...]})::

    {"title": "Checkout errors above 5%", "severity": "critical", "service": "checkout",
     "fingerprint": "checkout-errors", "status": "firing", "details": {...}, "starts_at": "2025-01-01T10:00:00Z"}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

SUPPORTED_VERSION = "4"
MAX_ALERTS = 1_000
FINGERPRINT_MAX = 200
TITLE_MAX = 200
URL_MAX = 1_000
AREA_MAX = 100
LABEL_MAX = 100
LABEL_VALUE_MAX = 2_000
GROUP_KEY_MAX = 400

SEVERITIES = ("critical", "warning", "info")
# Words monitoring setups use for severity, mapped to ours; anything else is a warning.
SEVERITY_WORDS = {
    "critical": "critical",
    "crit": "critical",
    "page": "critical",
    "emergency": "critical",
    "fatal": "critical",
    "high": "critical",
    "p1": "critical",
    "error": "warning",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "info": "info",
    "informational": "info",
    "none": "info",
    "low": "info",
}
STATUSES = ("firing", "resolved")
SERVICE_LABELS = ("service", "steadyops_service", "app", "job")
AREA_LABELS = ("product_area", "area")
# Alertmanager sends this endsAt for an alert that has no end yet.
ZERO_TIME_PREFIX = "0001-01-01"


class PayloadError(ValueError):
    """The payload cannot be used; message says why, in words a person configuring a sender can act on."""


# Made for every alert of every webhook: slots and no frozen, whose __init__ costs four times as much.
@dataclass(slots=True)
class ParsedAlert:
    fingerprint: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generator_url: str = ""
    severity: str = "warning"
    service_slug: str = ""
    product_area: str = ""
    title: str = ""
    text: str = ""


@dataclass(frozen=True)
class Payload:
    alerts: list[ParsedAlert]
    group_key: str = ""
    receiver: str = ""
    status: str = ""
    truncated: int = 0
    external_url: str = ""


def decode(body: bytes) -> Any:
    """The request body's JSON. orjson reads a webhook of a thousand alerts in half the time of the standard
    library, and refuses text that is not UTF-8 and nesting deeper than 1,024 levels as invalid."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PayloadError("The request body is not valid JSON.") from None


def parse_time(value: Any, where: str, *, zero_is_none: bool = False) -> datetime | None:
    """An RFC 3339 time (nanoseconds allowed), always in UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise PayloadError(f"{where}: expected a time such as 2025-01-31T10:00:00Z.")
    if zero_is_none and value.startswith(ZERO_TIME_PREFIX):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Go writes up to nine digits of fractions of a second; Python reads six.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: dot + 1] + text[dot + 1 : end][:6].ljust(1, "0") + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not a time such as 2025-01-31T10:00:00Z.") from None
    if parsed.tzinfo is None:
        raise PayloadError(f"{where}: {value!r} has no time zone; add Z for UTC.")
    if parsed.year < 1971:
        return None if zero_is_none else _raise(f"{where}: {value!r} is not a plausible time.")
    return parsed.astimezone(UTC)


def _raise(message: str) -> datetime:
    raise PayloadError(message)


def _string_map(value: Any, where: str) -> dict[str, str]:
    """Names to text values. Labels and annotations as senders write them (text, short names) come back as they
    are; numbers, booleans and null become text, over-long values are cut."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object of names to text values.")
    for key, item in value.items():
        if type(item) is not str or len(item) > LABEL_VALUE_MAX or type(key) is not str or len(key) > LABEL_MAX:
            return _converted_map(value, where)
    return value


def _converted_map(value: dict[Any, Any], where: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > LABEL_MAX:
            raise PayloadError(f"{where}: the name {str(key)[:40]!r} is longer than {LABEL_MAX} characters.")
        if isinstance(item, str):
            result[key] = item[:LABEL_VALUE_MAX]
        elif isinstance(item, bool | int | float) or item is None:
            result[key] = "" if item is None else json.dumps(item)
        else:
            raise PayloadError(f"{where}.{key}: expected text.")
    return result


def _text(value: Any, where: str, limit: int, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise PayloadError(f"{where} is missing.")
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected text.")
    if len(value) > limit:
        raise PayloadError(f"{where} is longer than {limit} characters.")
    return value


def severity_of(value: str) -> str:
    return SEVERITY_WORDS.get(value.strip().casefold(), "warning")


def labels_fingerprint(labels: Mapping[str, str]) -> str:
    """A stable fingerprint from an alert's labels, for senders that do not send one."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _first(labels: Mapping[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        value = labels.get(name, "").strip()
        if value:
            return value
    return ""


def _check_count(alerts: Any, where: str) -> list[Any]:
    if not isinstance(alerts, list):
        raise PayloadError(f"{where}: expected a list of alerts.")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(
            f"{where}: {len(alerts)} alerts in one request; send at most {MAX_ALERTS} "
            "(Alertmanager: set max_alerts in the webhook receiver)."
        )
    return alerts


def _alertmanager_alert(
    raw: Any, common_labels: dict[str, str], common_annotations: dict[str, str], starts: dict[str, datetime | None]
) -> ParsedAlert:
    """One alert of an Alertmanager payload; its PayloadError messages start with where in the alert it is."""
    if not isinstance(raw, dict):
        raise PayloadError(": expected an object.")
    labels = _string_map(raw.get("labels"), ".labels")
    if common_labels:
        labels = {**common_labels, **labels}
    annotations = _string_map(raw.get("annotations"), ".annotations")
    if common_annotations:
        annotations = {**common_annotations, **annotations}
    status = raw.get("status", "firing")
    if status not in STATUSES:
        raise PayloadError('.status: expected "firing" or "resolved".')
    raw_start = raw.get("startsAt")
    if isinstance(raw_start, str) and raw_start in starts:
        starts_at = starts[raw_start]
    else:
        starts_at = parse_time(raw_start, ".startsAt")
        if isinstance(raw_start, str):
            starts[raw_start] = starts_at
    if starts_at is None:
        raise PayloadError(".startsAt is missing.")
    ends_at = parse_time(raw.get("endsAt"), ".endsAt", zero_is_none=True)
    alertname = labels.get("alertname", "")
    summary = annotations.get("summary", "")
    title = (summary or alertname or "Alert").strip()[:TITLE_MAX]
    text = " ".join([part for part in (alertname, summary, annotations.get("description", "")) if part])
    return ParsedAlert(
        fingerprint=_text(raw.get("fingerprint"), ".fingerprint", FINGERPRINT_MAX) or labels_fingerprint(labels),
        status=status,
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        labels=labels,
        annotations=annotations,
        generator_url=_text(raw.get("generatorURL"), ".generatorURL", URL_MAX * 8)[:URL_MAX],
        severity=severity_of(labels.get("severity", "")),
        service_slug=_first(labels, SERVICE_LABELS)[:50],
        product_area=_first(labels, AREA_LABELS)[:AREA_MAX],
        title=title,
        text=text[:4_000],
    )


def parse_alertmanager(data: Any) -> Payload:
    """Read an Alertmanager webhook payload (version "4"); PayloadError when it cannot be used."""
    if not isinstance(data, dict):
        raise PayloadError("Expected a JSON object: the Alertmanager webhook payload.")
    version = data.get("version")
    if version is None:
        raise PayloadError(
            'The payload has no "version". steadyops reads Alertmanager webhook payloads of version "4".'
        )
    if str(version) != SUPPORTED_VERSION:
        raise PayloadError(
            f"The payload is version {str(version)[:20]!r}; steadyops reads Alertmanager webhook payloads "
            f'of version "{SUPPORTED_VERSION}".'
        )
    group_key = _text(data.get("groupKey"), "groupKey", GROUP_KEY_MAX * 4)[:GROUP_KEY_MAX]
    receiver = _text(data.get("receiver"), "receiver", 1_000)[:FINGERPRINT_MAX]
    external_url = _text(data.get("externalURL"), "externalURL", URL_MAX)
    truncated = data.get("truncatedAlerts") or 0
    if not isinstance(truncated, int) or isinstance(truncated, bool) or truncated < 0:
        raise PayloadError("truncatedAlerts: expected a whole number.")
    common_labels = _string_map(data.get("commonLabels"), "commonLabels")
    common_annotations = _string_map(data.get("commonAnnotations"), "commonAnnotations")
    raw_alerts = _check_count(data.get("alerts"), "alerts")
    alerts = []
    # The alerts of one group mostly share their start: each distinct time is read once.
    starts: dict[str, datetime | None] = {}
    for index, raw in enumerate(raw_alerts):
        try:
            alerts.append(_alertmanager_alert(raw, common_labels, common_annotations, starts))
        except PayloadError as bad:
            # The alert's own checks say where in the alert (".labels: ..."); this says which alert.
            raise PayloadError(f"alerts[{index}]{bad}") from None
    return Payload(
        alerts=alerts,
        group_key=group_key,
        receiver=receiver,
        status=str(data.get("status", ""))[:16],
        truncated=truncated,
        external_url=external_url,
    )


def parse_generic(data: Any) -> Payload:
    """Read the generic alert webhook: one alert object, or {"alerts": [...]}; PayloadError when unusable."""
    if not isinstance(data, dict):
        raise PayloadError('Expected a JSON object: one alert, or {"alerts": [...]}.')
    raws = _check_count(data["alerts"], "alerts") if "alerts" in data else [data]
    alerts = []
    for index, raw in enumerate(raws):
        where = f"alerts[{index}]" if "alerts" in data else "alert"
        if not isinstance(raw, dict):
            raise PayloadError(f"{where}: expected an object.")
        title = _text(raw.get("title"), f"{where}.title", TITLE_MAX, required=True).strip()
        if not title:
            raise PayloadError(f"{where}.title is empty.")
        severity = raw.get("severity", "warning")
        if not isinstance(severity, str) or severity not in SEVERITIES:
            raise PayloadError(f'{where}.severity: expected "critical", "warning" or "info".')
        status = raw.get("status", "firing")
        if status not in STATUSES:
            raise PayloadError(f'{where}.status: expected "firing" or "resolved".')
        service = _text(raw.get("service"), f"{where}.service", 50).strip()
        area = _text(raw.get("product_area"), f"{where}.product_area", AREA_MAX).strip()
        fingerprint = _text(raw.get("fingerprint"), f"{where}.fingerprint", FINGERPRINT_MAX) or _text(
            raw.get("dedup_key"), f"{where}.dedup_key", FINGERPRINT_MAX
        )
        details = raw.get("details")
        if isinstance(details, str):
            annotations = {"details": details[:LABEL_VALUE_MAX]}
        elif details is None:
            annotations = {}
        else:
            annotations = _string_map(details, f"{where}.details")
        labels = {"title": title, "severity": severity}
        if service:
            labels["service"] = service
        if area:
            labels["product_area"] = area
        alerts.append(
            ParsedAlert(
                fingerprint=fingerprint or labels_fingerprint({k: v for k, v in labels.items() if k != "severity"}),
                status=status,
                starts_at=parse_time(raw.get("starts_at"), f"{where}.starts_at"),
                ends_at=parse_time(raw.get("ends_at"), f"{where}.ends_at") if status == "resolved" else None,
                labels=labels,
                annotations=annotations,
                generator_url=_text(raw.get("url"), f"{where}.url", URL_MAX),
                severity=severity,
                service_slug=service,
                product_area=area,
                title=title,
                text=" ".join([title, *annotations.values()])[:4_000],
            )
        )
    return Payload(alerts=alerts, group_key="", receiver="generic", status="")
