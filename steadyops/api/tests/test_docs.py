from django.test import Client


def test_it_serves_the_openapi_document_without_signing_in(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "steadyops API"
    assert document["openapi"].startswith("3.")
    assert "/api/v1/teams" in document["paths"]


def test_it_serves_the_docs_page_with_local_assets_only(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    # Only script elements with a src, or inert JSON data, which the CSP allows.
    for chunk in html.split("<script")[1:]:
        assert 'src="' in chunk.split(">")[0] or 'type="application/json"' in chunk.split(">")[0]


def test_it_sends_the_strict_content_security_policy_on_the_docs_page(db):
    response = Client().get("/api/v1/docs")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
