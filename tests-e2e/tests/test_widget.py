"""The widget in Debian's Chromium (Playwright), against the whole system: its in-browser
validation gives the server's verdict (codes, messages, positions, line counts, auto-fitted
sizes) on a corpus of designs across the demo products."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from atelier.devstack.demo import Demo
from atelier.e2e import browser
from atelier.e2e.corpus import WORD_LIST, designs
from atelier.e2e.system import System, running_system

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
            seen.extend(await page.evaluate(
                "(batch) => batch.map((values) => "
                "document.querySelector('atelier-personalizer').validate(values))", batch))
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
