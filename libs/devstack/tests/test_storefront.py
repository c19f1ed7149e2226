"""The demo storefront: the product page with the widget on it, the widget's files, and the
stand-in for Shopify's AJAX Cart API recording what it is sent."""

import json
from collections.abc import Iterator

import httpx
import pytest

from atelier.devstack.storefront import DIST, VARIANT, Shop, Storefront

PEN = "01900000-0000-7000-8000-000000000001"
MUG = "01900000-0000-7000-8000-000000000002"


@pytest.fixture
def store() -> Iterator[Storefront]:
    shop = Shop("http://127.0.0.1:9999", "pk_test_<key>", {PEN: "Engraved Pen", MUG: "Mug"})
    running = Storefront(shop, port=0).start()
    try:
        yield running
    finally:
        running.stop()


def test_the_page_carries_the_widget_for_the_product_asked(store: Storefront) -> None:
    page = httpx.get(store.url, params={"product": MUG})
    assert page.status_code == 200
    assert f'product="{MUG}"' in page.text
    assert 'key="pk_test_&lt;key&gt;"' in page.text  # escaped, never raw markup
    assert 'api="http://127.0.0.1:9999"' in page.text
    assert f'<script type="module" src="{store.shop.script_url}">' in page.text
    assert f'product="{PEN}"' in httpx.get(store.url, params={"product": "nope"}).text


def test_the_cart_stand_in_records_each_line_and_its_snapshot(store: Storefront) -> None:
    line = {"items": [{"id": VARIANT, "quantity": 1,
                       "properties": {"_atelier_snapshot": "0190-snapshot"}}]}
    added = httpx.post(f"{store.url}cart/add.js", json=line)
    assert added.status_code == 200
    assert added.json()["items"][0]["properties"] == {"_atelier_snapshot": "0190-snapshot"}
    cart = httpx.get(f"{store.url}cart.js").json()
    assert cart["item_count"] == 1
    assert httpx.get(f"{store.url}cart/requests.json").json() == [line]
    refused = httpx.post(f"{store.url}cart/add.js", content=b"{not json",
                         headers={"Content-Type": "application/json"})
    assert refused.status_code == 422
    assert httpx.get(f"{store.url}cart.js").json()["item_count"] == 1


def test_the_page_loads_the_widget_from_the_gateway_under_its_version(store: Storefront
                                                                      ) -> None:
    if not (DIST / "manifest.json").is_file():
        pytest.skip("the widget is not built (make widget)")
    manifest = json.loads((DIST / "manifest.json").read_text())
    assert store.shop.script_url == (
        f"http://127.0.0.1:9999/widget/{manifest['version']}/{manifest['entry']}")
    # the storefront serves no copy of its own: a brand's page is given nothing but the tag
    assert httpx.get(f"{store.url}widget/{manifest['entry']}").status_code == 404
