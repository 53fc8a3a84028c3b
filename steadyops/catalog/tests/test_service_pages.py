"""The service pages: list with filters, detail, create, edit and archive, for every persona and bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from steadyops.catalog import services
from steadyops.catalog.models import Service
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import NAMES, Personas

FORM = {"name": "Billing", "owner": "platform", "tier": "2", "lifecycle": "production"}


# --- list -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_it_lists_services_to_everyone_signed_in(shop: Shop, name: str) -> None:
    response = client_for(shop.personas, name).get(reverse("catalog_service_list"))
    if name == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == 200
    assert [s.slug for s in response.context["page"]] == ["checkout", "web"]
    assert ("New service" in response.content.decode()) is (name in ("admin", "operator_a", "operator_b"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"team": "platform"}, ["web"]),
        ({"team": "checkout"}, ["checkout"]),
        ({"tier": "2"}, ["checkout"]),
        ({"system": "storefront"}, ["checkout", "web"]),
        ({"q": "WEB"}, ["web"]),
        ({"q": "nothing like it"}, []),
    ],
)
def test_it_filters_the_list(shop: Shop, query: dict[str, str], expected: list[str]) -> None:
    response = client_for(shop.personas, "viewer").get(reverse("catalog_service_list"), query)
    assert response.status_code == 200
    assert [s.slug for s in response.context["page"]] == expected


def test_a_secondary_owner_team_filter_finds_co_owned_services(shop: Shop) -> None:
    Service.objects.get(slug="checkout").secondary_owners.add(shop.personas.team_a)
    response = client_for(shop.personas, "viewer").get(reverse("catalog_service_list"), {"team": "platform"})
    assert [s.slug for s in response.context["page"]] == ["checkout", "web"]


@pytest.mark.parametrize("query", [{"tier": "7"}, {"team": "no-such-team"}, {"system": "<script>"}, {"q": "x" * 101}])
def test_it_answers_bad_filters_with_400(shop: Shop, query: dict[str, str]) -> None:
    response = client_for(shop.personas, "viewer").get(reverse("catalog_service_list"), query)
    assert response.status_code == 400
    assert "Please correct the filters above." in response.content.decode()


def test_it_answers_htmx_with_the_results_only(shop: Shop) -> None:
    response = client_for(shop.personas, "viewer").get(reverse("catalog_service_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="service-results"' in body
    assert "<html" not in body


def test_it_pages_the_list_with_a_constant_number_of_queries(
    shop: Shop,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(shop.personas, "viewer")
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("catalog_service_list"))
    baseline = len(few.captured_queries)
    for i in range(40):
        service = Service.objects.create(slug=f"svc-{i:02}", name=f"Svc {i:02}", owner=shop.personas.team_a, tier=3)
        service.secondary_owners.add(shop.personas.team_b)
    with django_assert_max_num_queries(baseline) as many:
        response = client.get(reverse("catalog_service_list"))
    assert len(many.captured_queries) == baseline
    assert len(response.context["page"].object_list) == 25
    second = client.get(reverse("catalog_service_list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 17


def test_it_escapes_hostile_names(personas: Personas) -> None:
    services.create_service(
        actor=Actor(user=personas.admin),
        name="<script>alert(1)</script>",
        slug="hostile",
        owner=personas.team_a,
        description="<img src=x onerror=alert(1)>",
    )
    client = client_for(personas, "viewer")
    for url in (reverse("catalog_service_list"), reverse("catalog_service_detail", args=["hostile"])):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<img src=x" not in body


# --- detail ---------------------------------------------------------------------------------------------------------


def test_it_shows_owners_dependencies_and_capacity_in_plain_words(shop: Shop) -> None:
    services.set_capacity(
        actor=Actor(user=shop.personas.admin), component=shop.checkout, environment=shop.production, instances=1
    )
    body = client_for(shop.personas, "stakeholder").get(reverse("catalog_service_detail", args=["checkout"])).content
    text = body.decode()
    assert "Checkout needs Shop DB; nobody knows yet what happens when Shop DB is down." in text
    assert "Web stops working when Checkout is down." in text
    assert "1 instance in 1 zone, 1 region" in text
    assert "Only one" in text
    assert "Important: customers notice and money is lost" in text
    assert "Add something it needs" not in text


def test_it_answers_404_for_an_unknown_service(shop: Shop) -> None:
    assert client_for(shop.personas, "viewer").get(reverse("catalog_service_detail", args=["nope"])).status_code == 404


# --- create and edit ------------------------------------------------------------------------------------------------


def test_an_operator_adds_a_service_for_their_team(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_a").post(
        reverse("catalog_service_create"),
        {
            **FORM,
            "secondary_owners": ["checkout"],
            "tags": "money, invoices",
            "links": "Repo https://git.example.com/b",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog_service_detail", args=["billing"])
    service = Service.objects.get(slug="billing")
    assert (service.owner, service.tier, service.tags) == (shop.personas.team_a, 2, ["money", "invoices"])
    assert service.links == [{"title": "Repo", "url": "https://git.example.com/b"}]
    assert list(service.secondary_owners.values_list("slug", flat=True)) == ["checkout"]


def test_an_operator_cannot_add_a_service_for_another_team(shop: Shop) -> None:
    response = client_for(shop.personas, "operator_b").post(reverse("catalog_service_create"), FORM)
    assert response.status_code == 400
    assert "only add services owned by your own teams" in response.content.decode()
    assert not Service.objects.filter(slug="billing").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "Not a slug!"}, "slug", "Enter a valid “slug”"),
        ({"slug": "web"}, "slug", "already exists"),
        ({"tier": "7"}, "tier", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required"),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"owner": "marketing"}, "owner", "Select a valid choice"),
        ({"links": "Evil javascript:alert(1)"}, "links", "not a web address"),
        ({"tags": "two words"}, "tags", "is not a tag"),
        ({"name": "Bad\x1bname"}, "name", "control characters"),
    ],
)
def test_it_shows_bad_input_next_to_the_field(shop: Shop, data: dict[str, str], field: str, message: str) -> None:
    audited = AuditEntry.objects.count()
    response = client_for(shop.personas, "admin").post(reverse("catalog_service_create"), {**FORM, **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Service.objects.count() == 2
    assert AuditEntry.objects.count() == audited


def test_it_answers_htmx_form_errors_with_the_form_only(shop: Shop) -> None:
    response = client_for(shop.personas, "admin").post(
        reverse("catalog_service_create"), {**FORM, "tier": "7"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response.content.decode().lstrip().startswith("<form")


def test_it_sends_htmx_to_the_new_page_after_success(shop: Shop) -> None:
    response = client_for(shop.personas, "admin").post(reverse("catalog_service_create"), FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("catalog_service_detail", args=["billing"])


def test_an_owner_edits_a_service(shop: Shop) -> None:
    client = client_for(shop.personas, "operator_a")
    form = client.get(reverse("catalog_service_edit", args=["web"])).context["form"]
    assert form.initial["owner"] == "platform"
    assert "slug" not in form.fields
    data = {**FORM, "name": "Web shop", "tier": "1", "system": "storefront", "description": "The shop"}
    assert client.post(reverse("catalog_service_edit", args=["web"]), data).status_code == 302
    shop.web.refresh_from_db()
    assert (shop.web.name, shop.web.slug, shop.web.user_facing) == ("Web shop", "web", False)


@pytest.mark.parametrize(("name", "status"), [("operator_b", 403), ("stakeholder", 403), ("viewer", 403)])
def test_others_cannot_edit_or_archive(shop: Shop, name: str, status: int) -> None:
    client = client_for(shop.personas, name)
    assert client.post(reverse("catalog_service_edit", args=["web"]), {**FORM, "name": "Taken"}).status_code == status
    assert client.post(reverse("catalog_service_archive", args=["web"])).status_code == status
    shop.web.refresh_from_db()
    assert (shop.web.name, shop.web.archived_at) == ("Web", None)


def test_archiving_hides_the_service_from_the_list(shop: Shop) -> None:
    client = client_for(shop.personas, "operator_a")
    assert client.get(reverse("catalog_service_archive", args=["web"])).status_code == 405
    assert client.post(reverse("catalog_service_archive", args=["web"])).status_code == 302
    assert [s.slug for s in client.get(reverse("catalog_service_list")).context["page"]] == ["checkout"]
    body = client.get(reverse("catalog_service_detail", args=["web"])).content.decode()
    assert "This service was archived" in body


def test_it_checks_csrf(shop: Shop) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(shop.personas.admin)
    assert client.post(reverse("catalog_service_create"), FORM).status_code == 403
    assert client.post(reverse("catalog_service_archive", args=["web"])).status_code == 403
    assert not Service.objects.filter(slug="billing").exists()
    shop.web.refresh_from_db()
    assert shop.web.archived_at is None
