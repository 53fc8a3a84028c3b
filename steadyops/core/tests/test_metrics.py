import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_it_serves_prometheus_text_without_a_token_configured(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    response = client.get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"steadyops_outbox_pending" in response.content


@pytest.mark.django_db
def test_it_requires_the_bearer_token_when_configured(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = "s3cret-metrics"
    response = client.get(reverse("metrics"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"steadyops_" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Bearer wrong", "s3cret-metrics", "bearer s3cret-metrics", "Bearer s3cret-metrics ", "Basic czNjcmV0"]
)
def test_it_refuses_a_wrong_token(client: Client, settings, header: str) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = "s3cret-metrics"
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION=header).status_code == 401


@pytest.mark.django_db
def test_it_accepts_the_right_token(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = "s3cret-metrics"
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer s3cret-metrics")
    assert response.status_code == 200
    assert b"steadyops_http_requests_total" in response.content
