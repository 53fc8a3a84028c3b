from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steadyops.core.models import WorkerHeartbeat


def _beat(seconds_ago: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="worker-1", seen_at=now - timedelta(seconds=seconds_ago), started_at=now)


@pytest.mark.django_db
def test_it_is_healthy_with_a_recent_worker(client: Client) -> None:
    _beat(5)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_reports_a_missing_worker(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "missing"}


@pytest.mark.django_db
def test_it_reports_a_stale_worker(client: Client) -> None:
    _beat(121)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "stale"}


@pytest.mark.django_db
def test_it_uses_the_newest_of_several_workers(client: Client) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="old", seen_at=now - timedelta(hours=1), started_at=now)
    WorkerHeartbeat.objects.create(name="new", seen_at=now - timedelta(seconds=30), started_at=now)
    assert client.get(reverse("healthz")).json()["worker"] == "ok"


@pytest.mark.django_db
def test_it_reports_a_database_error(client: Client) -> None:
    with mock.patch("steadyops.core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_it_answers_live_without_the_database(client: Client) -> None:
    # No django_db mark: any query here would fail the test.
    response = client.get(reverse("healthz_live"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
