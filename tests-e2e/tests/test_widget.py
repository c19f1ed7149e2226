"""The widget in Debian's Chromium (Playwright), against the whole system: its in-browser
validation gives the server's verdict (codes, messages, positions, line counts, auto-fitted
sizes) on a corpus of designs across the demo products."""

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, Route, expect

from atelier.devstack.demo import Demo
from atelier.devstack.storefront import VARIANT, Cart, Shop
from atelier.e2e import browser
from atelier.e2e.corpus import WORD_LIST, designs
from atelier.e2e.system import System, running_system
from atelier.e2e.widget_bench import widget_step

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

# every validation of the corpus comes from one address with one key
CODES = {"required", "too_long", "character_not_allowed", "too_many_lines", "does_not_fit",
         "glyph_missing", "control_character", "bidi_control",
         "blocked_word", "font_not_allowed", "colour_not_allowed", "size_out_of_range"}
LIMITS = {f"ATELIER_GATEWAY_{name}": "1000000000" for name in (
    "RATE_PER_ADDRESS_PER_S", "BURST_PER_ADDRESS", "RATE_PER_KEY_PER_S", "BURST_PER_KEY")}


@pytest.fixture(scope="module")
async def system(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("widget"),
                              {"gateway": LIMITS}) as running:
        yield running


@pytest.fixture(scope="module")
async def demo(system: System) -> Demo:
    demo = await system.new_brand()
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10.0) as client:
        answer = await client.put("/v1/admin/word-list", json=WORD_LIST,
                                  headers={"Authorization": f"Bearer {demo.secret_key}"})
        assert answer.status_code == 200, answer.text
    return demo


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A validation result as both sides must agree on it (the server's review entries, which
    never refuse a design, aside)."""
    def errors(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"field": e["field"], "code": e["code"], "message": e["message"],
                 "position": e.get("position")} for e in items]

    return {
        "valid": result["valid"],
        "errors": errors(result["errors"]),
        "zones": [{
            "zone": z["zone"], "value": z["value"], "length": z["length"], "lines": z["lines"],
            "removed": z.get("removed", []), "font_id": z.get("font_id"),
            "colour": z.get("colour"), "size_mm": z.get("size_mm"), "fits": z.get("fits"),
            "errors": errors(z["errors"]),
        } for z in result["zones"]],
    }


async def test_the_widget_gives_the_servers_verdict_on_the_corpus(
    system: System, demo: Demo
) -> None:
    products = [demo.product_id, demo.frame_id, demo.mug_id, demo.tag_id]
    async with system.widget(demo) as widget:
        configs = {}
        for product in products:
            answer = await widget.get(f"/v1/widget/products/{product}/config")
            assert answer.status_code == 200, answer.text
            configs[product] = answer.json()
        corpus = list(designs({p: c["zones"] for p, c in configs.items()}))
        assert len(corpus) > 500
        gate = asyncio.Semaphore(8)

        async def server(product: str, values: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                answer = await widget.post("/v1/personalization/validate",
                                           json={"product_id": product, "values": values})
            assert answer.status_code == 200, answer.text
            return answer.json()

        verdicts = await asyncio.gather(*(server(p, v) for p, v in corpus))

    async with browser.chromium() as chromium:
        page = await chromium.new_page()
        await browser.storefront(page, {
            f"/{p}.html": browser.widget_page(p, demo.publishable_key, system.gateway_url)
            for p in products})
        said = browser.console(page)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        seen: list[Any] = []
        for product in products:
            await page.goto(f"{browser.ORIGIN}/{product}.html")
            await browser.ready(page, said)
            batch = [v for p, v in corpus if p == product]
            # each verdict with its messages complete (the character names they use loaded)
            seen.extend(await page.evaluate(
                "(batch) => Promise.all(batch.map((values) => "
                "document.querySelector('atelier-personalizer').validated(values)))", batch))
    assert not [url for url in requests if "/v1/personalization/" in url]

    # the corpus reaches every rule, and auto-fit lands on many sizes
    codes = {e["code"] for v in verdicts for z in v["zones"] for e in z["errors"]}
    assert codes >= CODES, CODES - codes
    assert any(z["removed"] for v in verdicts for z in v["zones"])  # invisible ones stripped
    sizes = {z["size_mm"] for v in verdicts for z in v["zones"] if z.get("fits")}
    assert len(sizes) > 20
    print(f"{len(corpus)} designs, {len(sizes)} sizes, codes {sorted(codes)}")
    mismatches = [
        (product, values, _comparable(server_said), _comparable(browser_said))
        for (product, values), server_said, browser_said in zip(corpus, verdicts, seen,
                                                                strict=True)
        if _comparable(server_said) != _comparable(browser_said)
    ]
    shown = "\n\n".join(f"{values!r}\n server: {s}\n widget: {b}"
                        for _, values, s, b in mismatches[:8])
    assert not mismatches, f"{len(mismatches)} of {len(corpus)} differ:\n{shown}"


class CartStandIn:
    """The storefront's /cart/add.js and /cart.js, as the demo storefront answers them."""

    def __init__(self) -> None:
        self.cart = Cart()

    def __call__(self, request: Request) -> tuple[int, str, bytes] | None:
        path = request.url.removeprefix(browser.ORIGIN).split("?")[0]
        if path == "/cart/add.js" and request.method == "POST":
            return 200, "application/json", browser.as_json(self.cart.add(request.post_data_json))
        if path == "/cart.js":
            return 200, "application/json", browser.as_json(self.cart.state())
        return None


async def _analytics(page: Page) -> list[dict[str, Any]]:
    """The batches the widget posts to the gateway's analytics route (answered here: the route
    is the gateway's side of the issue)."""
    batches: list[dict[str, Any]] = []
    cors = {"Access-Control-Allow-Origin": browser.ORIGIN,
            "Access-Control-Allow-Headers": "content-type, x-atelier-key",
            "Access-Control-Allow-Methods": "POST"}

    async def answer(route: Route) -> None:
        if route.request.method == "POST":
            batches.append(route.request.post_data_json)
            await route.fulfill(status=202, headers=cors, body="")
        else:
            await route.fulfill(status=204, headers=cors, body="")

    await page.route("**/v1/widget/events", answer)
    return batches


async def _shop_page(chromium: Browser, system: System, demo: Demo, product: str,
                     init_script: str | None = None) -> tuple[Page, list[str], list[str],
                                                               CartStandIn]:
    page = await chromium.new_page()
    page.batches = await _analytics(page)  # type: ignore[attr-defined]
    if init_script:
        await page.add_init_script(init_script)
    shop = Shop(system.gateway_url, demo.publishable_key, {product: "Product"})
    cart = CartStandIn()
    await browser.storefront(page, {"/": shop.page(product)}, cart)
    said = browser.console(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    await page.goto(f"{browser.ORIGIN}/")
    await browser.ready(page, said)
    return page, said, requests, cart


async def test_a_shopper_types_sees_the_mockup_opens_3d_and_adds_to_cart(
    system: System, demo: Demo
) -> None:
    async with browser.chromium() as chromium:
        page, said, requests, cart = await _shop_page(chromium, system, demo, demo.mug_id)
        text = page.locator("atelier-personalizer #text-name")
        errors = page.locator("atelier-personalizer #errors-name li")
        await text.fill("Ada 中")
        await expect(errors).to_have_attribute("data-code", "glyph_missing")
        await expect(text).to_have_attribute("aria-invalid", "true")
        assert "(U+4E2D CJK UNIFIED IDEOGRAPH-4E2D)" in (await errors.inner_text())
        # a listed name comes with its block of names, loaded when a message first needs it
        assert not [r for r in requests if "/names-" in r]
        await text.fill("Ada \U00013000")
        await expect(errors.first).to_contain_text("(U+13000 EGYPTIAN HIEROGLYPH A001)")
        assert [r for r in requests if "/names-076-" in r], requests

        await text.fill("Ada")
        await expect(errors).to_have_count(0)
        await expect(page.locator("atelier-personalizer #fit-name")).to_contain_text("mm")
        mockup = page.locator("atelier-personalizer img[part=mockup]")
        await expect(mockup).to_have_attribute("src", re.compile(r"/v1/assets/renders/"),
                                               timeout=30_000)
        first = await mockup.get_attribute("src")
        await text.fill("Ada Lovelace")
        await expect(mockup).not_to_have_attribute("src", first or "", timeout=30_000)
        assert not [r for r in requests if "/v1/personalization/validate" in r], requests

        await page.get_by_role("button", name="View in 3D").click()
        viewer = page.locator("atelier-personalizer model-viewer")
        await expect(viewer).to_have_attribute("src", re.compile(r"\.glb"), timeout=60_000)
        await expect(page.locator("atelier-personalizer a[rel=ar]")).to_have_attribute(
            "href", re.compile(r"\.usdz"))
        await expect(page.locator("atelier-personalizer [part=ar-scene-viewer]")).to_have_attribute(
            "href", re.compile(r"^intent://arvr\.google\.com/scene-viewer/1\.0\?file=.*\.glb"))
        glb = await viewer.get_attribute("src")
        await text.fill("Ada Byron")  # the model follows the design
        await expect(viewer).not_to_have_attribute("src", glb or "", timeout=60_000)

        await page.get_by_role("button", name="Add to cart").click()
        await expect(page.locator("#cart-count")).to_have_text("1", timeout=30_000)
        [added] = cart.cart.requests
        snapshot_id = added["items"][0]["properties"]["_atelier_snapshot"]
        async with system.widget(demo) as widget:
            snapshot = await widget.get(f"/v1/snapshots/{snapshot_id}")
        assert snapshot.status_code == 200, snapshot.text
        assert added["items"][0]["id"] == VARIANT
        assert not [line for line in said if line.startswith("error")], said
        # leaving the page sends what is queued at once (keepalive)
        await page.evaluate("window.dispatchEvent(new Event('pagehide'))")
        for _ in range(50):
            if "snapshot_created" in _names(page.batches):  # type: ignore[attr-defined]
                break
            await page.wait_for_timeout(100)
        names = _names(page.batches)  # type: ignore[attr-defined]
        for name in ("widget_loaded", "validation_failed", "preview_requested", "preview_ready",
                     "snapshot_created", "add_to_cart_clicked"):
            assert name in names, names
        [created] = [e for b in page.batches for e in b["events"]  # type: ignore[attr-defined]
                     if e["name"] == "snapshot_created"]
        assert created["props"]["snapshot_id"] == snapshot_id
        assert created["product_id"] == demo.mug_id


def _names(batches: list[dict[str, Any]]) -> list[str]:
    return [event["name"] for batch in batches for event in batch["events"]]


async def test_without_webgl_the_3d_view_is_a_2d_canvas(system: System, demo: Demo) -> None:
    async with browser.chromium() as chromium:
        page, _, _, _ = await _shop_page(chromium, system, demo, demo.tag_id, browser.NO_WEBGL)
        await page.locator("atelier-personalizer #text-name").fill("Rex")
        await page.get_by_role("button", name="View in 3D").click()
        canvas = page.locator("atelier-personalizer canvas[part=canvas-2d]")
        await expect(canvas).to_be_visible(timeout=30_000)
        assert await page.locator("atelier-personalizer model-viewer").count() == 0
        drawn = await canvas.evaluate(
            "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v)")
        assert drawn


async def test_the_page_with_the_widget_has_no_accessibility_violations(
    system: System, demo: Demo
) -> None:
    async with browser.chromium() as chromium:
        page, _, _, _ = await _shop_page(chromium, system, demo, demo.frame_id)
        await page.locator("atelier-personalizer #text-title").fill("Ada \u0007")
        await expect(page.locator("atelier-personalizer #errors-title li")).to_have_count(1)
        await page.add_script_tag(content=browser.AXE.read_text("utf-8"))
        found = await page.evaluate("async () => (await axe.run(document)).violations.map("
                                    "v => ({id: v.id, nodes: v.nodes.map(n => n.target)}))")
        assert found == []


async def test_the_widget_speaks_french(system: System, demo: Demo) -> None:
    async with browser.chromium() as chromium:
        page = await chromium.new_page()
        await browser.storefront(page, {"/": browser.widget_page(
            demo.product_id, demo.publishable_key, system.gateway_url, lang="fr")})
        said = browser.console(page)
        await page.goto(f"{browser.ORIGIN}/")
        await browser.ready(page, said)
        await expect(page.get_by_role("button", name="Ajouter au panier")).to_be_visible()


async def test_the_benchmarks_widget_step_measures_its_three_figures(
    system: System, demo: Demo
) -> None:
    figures: dict[str, tuple[float, dict[str, Any]]] = {}

    class Collect:
        def add(self, name: str, value: float, unit: str, **conditions: Any) -> None:
            figures[name] = (value, conditions)

    await widget_step(system, Collect(), demo, keystrokes=30)
    assert set(figures) == {"widget.script_gzip_kb", "widget.validate_keystroke.p95",
                            "widget.server_calls_per_20_keys"}
    assert figures["widget.validate_keystroke.p95"][0] > 0
    assert 0 < figures["widget.script_gzip_kb"][0]
    calls = figures["widget.server_calls_per_20_keys"][1]["calls"]
    assert not [c for c in calls if "/v1/personalization/" in c], calls
    print({name: value for name, (value, _) in figures.items()}, calls)


async def test_a_widget_of_another_rules_edition_asks_the_server(
    system: System, demo: Demo
) -> None:
    """A cached script after the rules changed: the config names another edition, so the
    widget sends the text to the validate route (debounced) and shows the server's errors."""
    async with browser.chromium() as chromium:
        page = await chromium.new_page()

        async def newer_rules(route: Route) -> None:
            answer = await route.fetch()
            config = await answer.json()
            config["rules"]["rules_version"] = "9999.1.1"
            await route.fulfill(response=answer, json=config)

        await page.route("**/v1/widget/products/*/config", newer_rules)
        await browser.storefront(page, {"/": browser.widget_page(
            demo.product_id, demo.publishable_key, system.gateway_url)})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
        await page.goto(f"{browser.ORIGIN}/")
        await page.wait_for_function(
            "() => document.querySelector('atelier-personalizer')?.config != null")
        await page.locator("atelier-personalizer #text-name").type("Ada\u00a9x中", delay=20)
        await expect(page.locator("atelier-personalizer #errors-name li")).to_have_count(
            2, timeout=15_000)
        validations = [r for r in requests if "/v1/personalization/validate" in r]
        assert 1 <= len(validations) <= 2, validations  # debounced: not one per key
