"""Content-Security-Policy: pages get the site's policy; JSON answers get a fixed policy that allows nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.core.middleware import JSON_POLICY


@pytest.mark.django_db
def test_a_page_gets_the_sites_policy(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_a_json_answer_gets_the_policy_that_allows_nothing(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Security-Policy"] == JSON_POLICY == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.django_db
def test_an_api_error_made_of_a_django_page_gets_it_too(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json; charset=utf-8")
    assert response["Content-Security-Policy"] == JSON_POLICY
