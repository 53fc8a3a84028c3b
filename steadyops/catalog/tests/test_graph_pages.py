"""The dependency map pages: a service's neighbourhood, a system, the whole catalog with filters."""

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from steadyops.catalog import services
from steadyops.catalog.models import Resource, Service
from steadyops.catalog.tests.conftest import Shop, client_for
from steadyops.core import demo
from steadyops.core.actor import Actor
from steadyops.testing.browser import SCREENSHOTS, screenshot, sign_in, watch_console

SVG = "{http://www.w3.org/2000/svg}"
SIGNED_IN = ("admin", "operator_a", "operator_b", "stakeholder", "viewer")


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()


def drawn(content: bytes) -> dict[str, ET.Element]:
    """The boxes of an SVG answer, by component key."""
    tree = ET.fromstring(content)
    return {g.get("data-key", ""): g for g in tree.iter(f"{SVG}g") if g.get("data-key")}


def spof(box: ET.Element) -> bool:
    rect = box.find(f"{SVG}rect")
    assert rect is not None
    return rect.get("stroke-width") == "3"


def graph_urls(shop: Shop) -> list[str]:
    return [
        reverse("catalog_service_graph", args=[shop.web.slug]),
        reverse("catalog_system_graph", args=[shop.system.slug]),
        reverse("catalog_graph_svg"),
        reverse("catalog_graph"),
    ]


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_it_shows_every_map_to_everyone_signed_in(shop: Shop, persona: str) -> None:
    client = client_for(shop.personas, persona)

    for url in graph_urls(shop):
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".svg"):
            assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
            assert response["Cache-Control"] == "private, no-cache"


def test_it_sends_anonymous_visitors_to_sign_in(shop: Shop) -> None:
    client = client_for(shop.personas, "anonymous")

    for url in graph_urls(shop):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_draws_a_services_neighbourhood_two_steps_each_way(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    far = services.create_resource(actor=admin, name="Far away", owner=shop.personas.team_a)
    services.add_dependency(actor=admin, source=shop.database, target=far)  # three steps from web
    above = services.create_service(actor=admin, name="Mobile app", owner=shop.personas.team_b)
    services.add_dependency(actor=admin, source=above, target=shop.web)
    client = client_for(shop.personas, "viewer")

    web = drawn(client.get(reverse("catalog_service_graph", args=["web"])).content)
    checkout = drawn(client.get(reverse("catalog_service_graph", args=["checkout"])).content)

    assert set(web) == {"service:mobile-app", "service:web", "service:checkout", "resource:shop-db"}
    assert set(checkout) == {
        "service:mobile-app",
        "service:web",
        "service:checkout",
        "resource:shop-db",
        "resource:far-away",
    }


def test_it_highlights_the_single_points_of_failure(shop: Shop) -> None:
    client = client_for(shop.personas, "viewer")
    boxes = drawn(client.get(reverse("catalog_graph_svg")).content)

    # Nothing is on record about checkout's and the database's instances: both cut the web off.
    assert {key for key, box in boxes.items() if spof(box)} == {"service:checkout", "resource:shop-db"}
    assert "single point of failure" in "".join(boxes["resource:shop-db"].itertext())

    services.set_capacity(
        actor=Actor(user=shop.personas.admin),
        component=shop.checkout,
        environment=shop.production,
        instances=3,
        zones=3,
    )
    boxes = drawn(client.get(reverse("catalog_graph_svg")).content)
    assert {key for key, box in boxes.items() if spof(box)} == {"resource:shop-db"}


def test_it_draws_a_system_with_what_its_services_need(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.create_service(actor=admin, name="Elsewhere", owner=shop.personas.team_a)
    client = client_for(shop.personas, "stakeholder")

    response = client.get(reverse("catalog_system_graph", args=["storefront"]))

    assert set(drawn(response.content)) == {"service:web", "service:checkout", "resource:shop-db"}
    assert b"Storefront: its services and what they depend on" in response.content


def test_it_filters_the_whole_map_by_team_and_system(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.create_service(actor=admin, name="Lonely", owner=shop.personas.team_b)
    client = client_for(shop.personas, "viewer")
    url = reverse("catalog_graph_svg")

    everything = drawn(client.get(url).content)
    checkout_team = drawn(client.get(url, {"team": "checkout"}).content)
    platform_in_storefront = drawn(client.get(url, {"team": "platform", "system": "storefront"}).content)

    assert set(everything) == {"service:web", "service:checkout", "resource:shop-db", "service:lonely"}
    # The team's own services, and what they are directly linked to.
    assert set(checkout_team) == {"service:checkout", "service:lonely", "service:web", "resource:shop-db"}
    assert set(platform_in_storefront) == {"service:web", "service:checkout"}


def test_it_forwards_the_filters_to_the_picture(shop: Shop) -> None:
    client = client_for(shop.personas, "viewer")

    response = client.get(reverse("catalog_graph"), {"team": "checkout", "system": "storefront", "other": "x"})

    assert response.status_code == 200
    assert f'src="{reverse("catalog_graph_svg")}?team=checkout&amp;system=storefront"'.encode() in response.content
    assert b'alt="Dependency map of Checkout, Storefront:' in response.content


@pytest.mark.parametrize(
    "query",
    [
        {"team": "nobody"},
        {"system": "nothing"},
        {"team": "<script>alert(1)</script>"},
        {"system": "x" * 5000},
    ],
)
def test_it_refuses_unknown_filters_clearly(shop: Shop, query: dict[str, str]) -> None:
    client = client_for(shop.personas, "viewer")

    picture = client.get(reverse("catalog_graph_svg"), query)
    page = client.get(reverse("catalog_graph"), query)

    assert picture.status_code == 400
    assert picture.content == b"No team or system has that short name."
    assert page.status_code == 400
    assert b"Choose a team or a system from the lists." in page.content
    assert b"<script>alert(1)</script>" not in page.content


def test_it_answers_404_for_unknown_services_and_systems(shop: Shop) -> None:
    client = client_for(shop.personas, "viewer")

    assert client.get(reverse("catalog_service_graph", args=["nope"])).status_code == 404
    assert client.get(reverse("catalog_system_graph", args=["nope"])).status_code == 404


def test_it_escapes_hostile_names(shop: Shop) -> None:
    admin = Actor(user=shop.personas.admin)
    services.update_service(
        actor=admin,
        service=shop.web,
        name='<script>alert("x")</script>',
        description="",
        tier=1,
        lifecycle="production",
        owner=shop.personas.team_a,
        secondary_owners=[],
        user_facing=True,
        system=shop.system,
        tags=[],
        links=[],
    )
    client = client_for(shop.personas, "viewer")

    response = client.get(reverse("catalog_service_graph", args=["web"]))

    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    ET.fromstring(response.content)


def test_it_draws_an_archived_service_alone(shop: Shop) -> None:
    services.archive_service(actor=Actor(user=shop.personas.admin), service=shop.checkout, confirmed=True)
    client = client_for(shop.personas, "viewer")

    boxes = drawn(client.get(reverse("catalog_service_graph", args=["checkout"])).content)

    assert set(boxes) == {"service:checkout"}


def test_it_draws_each_picture_once_until_the_catalog_changes(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from steadyops.catalog import graph

    calls: list[str] = []
    real = graph.render_svg

    def counting(*args: object, **kwargs: object) -> str:
        calls.append(str(kwargs["title"]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph, "render_svg", counting)
    client = client_for(shop.personas, "viewer")
    url = reverse("catalog_graph_svg")

    first = client.get(url).content
    second = client.get(url).content
    services.create_resource(actor=Actor(user=shop.personas.admin), name="Queue", owner=shop.personas.team_a)
    third = client.get(url).content

    assert first == second
    assert len(calls) == 2
    assert "resource:queue" in drawn(third)
    assert "resource:queue" not in drawn(first)


def test_it_reads_a_bounded_number_of_queries_whatever_the_catalog_size(
    shop: Shop,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    admin = Actor(user=shop.personas.admin)
    previous = shop.checkout
    for number in range(30):
        service = services.create_service(
            actor=admin, name=f"Worker {number}", owner=shop.personas.team_b, system=shop.system
        )
        services.add_dependency(actor=admin, source=previous, target=service, hard=number % 2 == 0)
        services.set_capacity(actor=admin, component=service, environment=shop.production, instances=2, zones=1)
        previous = service
    shop.checkout.secondary_owners.add(shop.personas.team_a)
    client = client_for(shop.personas, "viewer")
    client.get(reverse("catalog_graph"))  # the session and the user, read once

    for url in graph_urls(shop):
        with django_assert_max_num_queries(11):
            assert client.get(url, {"team": "platform"} if url[-9:] == "graph.svg" else {}).status_code == 200


def test_it_embeds_the_maps_on_the_detail_pages_and_the_menu(shop: Shop) -> None:
    client = client_for(shop.personas, "viewer")

    service_page = client.get(reverse("catalog_service_detail", args=["web"])).content.decode()
    system_page = client.get(reverse("catalog_system_detail", args=["storefront"])).content.decode()

    assert f'<img src="{reverse("catalog_service_graph", args=["web"])}"' in service_page
    assert 'alt="Map of Web: what it needs and what needs it, two steps each way.' in service_page
    assert f'<img src="{reverse("catalog_system_graph", args=["storefront"])}"' in system_page
    assert f'href="{reverse("catalog_graph")}"' in service_page  # the menu's "Dependency map"
    assert ">Dependency map<" in service_page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_demo_shop_readably(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    organisation = demo.load()
    viewer = organisation.people["admin"]
    page = browser_page
    sign_in(page, live_server.url, viewer)

    page.goto(f"{live_server.url}{reverse('catalog_graph_svg')}")
    size = page.evaluate(
        "[document.documentElement.width.baseVal.value, document.documentElement.height.baseVal.value]"
    )
    # A full-page screenshot waits forever on a bare SVG document: size the window to the picture instead.
    page.set_viewport_size({"width": int(size[0]), "height": int(size[1])})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    whole = SCREENSHOTS / "catalog-graph-demo-shop.png"
    page.screenshot(path=str(whole))
    boxes = page.locator("g.node")
    assert boxes.count() == Service.objects.count() + Resource.objects.count() == 11
    red = page.locator('g.node rect[stroke-width="3"]')
    assert red.count() >= 3
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box is not None
        assert box["width"] >= 150
        assert box["height"] >= 40

    # A bare SVG document makes the browser ask for /favicon.ico, which the site does not serve: watch the pages.
    errors = watch_console(page)
    page.goto(f"{live_server.url}{reverse('catalog_graph')}")
    image = page.locator("img[alt^='Dependency map']")
    # Polled through Playwright's own channel: a page-side predicate would be eval, which the CSP forbids.
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("element => element.naturalWidth > 0")
    screenshot(page, "catalog-graph-page")
    page.goto(f"{live_server.url}{reverse('catalog_service_detail', args=['checkout'])}")
    embedded = page.locator("img[alt^='Map of Checkout']")
    embedded.scroll_into_view_if_needed()  # it loads lazily
    expect(embedded).to_have_js_property("complete", True)
    assert embedded.evaluate("element => element.naturalWidth > 0")
    assert errors == []
    assert whole.exists()
