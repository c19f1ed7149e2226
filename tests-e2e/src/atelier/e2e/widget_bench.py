"""The widget's figures (issue 18), measured in Debian's Chromium on a storefront page with the
demo photo frame (three zones): its validation per keystroke, the size of its entry script, and
the calls it makes to the gateway while a shopper types."""

import gzip
import statistics
from pathlib import Path
from typing import Any, Protocol

from atelier.devstack.demo import Demo
from atelier.e2e import browser
from atelier.e2e.system import System

TITLE = "Our first home together, with love"
_NAMES = ["Ada", "Charles", "Grace", "Alan", "Emmy", "Kurt", "Sofia", "Henri", "Marie", "Niels",
          "Lise", "Paul", "Rosalind", "James", "Dorothy", "Claude", "Barbara", "Hedy"]
WARMUP = 40  # keystrokes validated before measuring: the page's code compiled, as after a load


def titles(keystrokes: int) -> list[str]:
    """What a shopper's title field holds after each key, typing title after title (each within
    the zone's 40 characters, so that every keystroke is measured and fitted)."""
    typed: list[str] = []
    n = 0
    while len(typed) < keystrokes:
        name, partner = _NAMES[n % len(_NAMES)], _NAMES[(n * 7 + 3) % len(_NAMES)]
        title = f"Our home, {name} & {partner} {n}"
        typed.extend(title[:k] for k in range(1, len(title) + 1))
        n += 1
    return typed[:keystrokes]
TYPING_DELAY_MS = 120  # a fast typist: about eight keys a second
QUIET_MS = 2500  # after the last key: the preview's debounce, its request and its events


class Adds(Protocol):
    """Where figures go (``bench.Figures``)."""

    def add(self, name: str, value: float, unit: str, **conditions: Any) -> None: ...


LAZY = ("model-viewer-", "names-")  # the 3D viewer; the character names, by block


def scripts() -> list[Path]:
    """The scripts a storefront loads for the widget to validate: the entry and the validator
    with its tables and HarfBuzz's JavaScript (not the wasm, the 3D viewer, loaded when the
    shopper opens 3D, nor a block of character names, loaded when a message names one)."""
    return sorted(p for p in browser.DIST.glob("*.js") if not p.name.startswith(LAZY))


def script_gzip_kb() -> float:
    """``scripts()`` gzipped, each as a server sends it."""
    return sum(len(gzip.compress(path.read_bytes(), 9)) for path in scripts()) / 1024


async def widget_step(system: System, figures: Adds, demo: Demo, keystrokes: int) -> None:
    figures.add("widget.script_gzip_kb", script_gzip_kb(), "kB",
                files=", ".join(p.name for p in scripts()), compression="gzip -9, each file",
                excluded="harfbuzz.wasm, model-viewer (3D), the character names' blocks (loaded "
                "when a message names a character)")
    async with browser.chromium() as chromium:
        page = await chromium.new_page()
        await browser.storefront(page, {"/": browser.widget_page(
            demo.frame_id, demo.publishable_key, system.gateway_url)})
        said = browser.console(page)
        await page.goto(f"{browser.ORIGIN}/")
        await browser.ready(page, said)
        texts = titles(WARMUP + keystrokes)
        timings: list[float] = await page.evaluate(
            """(texts) => {
              const widget = document.querySelector('atelier-personalizer');
              const others = {date: '12.06.2024', dedication: 'With love, from all of us'};
              return texts.map((title) => {
                const start = performance.now();
                widget.validate({...others, title});
                return performance.now() - start;
              });
            }""", [f"{t}!" for t in texts[:WARMUP]] + texts[WARMUP:])
        measured = timings[WARMUP:]
        figures.add("widget.validate_keystroke.p95", statistics.quantiles(measured, n=20)[-1],
                    "ms", keystrokes=len(measured), warmup=WARMUP, zones=3, autofit=True,
                    measured="element.validate() in the page (performance.now), each keystroke "
                    "a new title typed key by key, date and dedication unchanged",
                    browser="chromium headless")

        # the other zones filled first (their preview comes and goes before counting starts)
        await page.locator("atelier-personalizer #text-date").fill("12.06.2024")
        await page.locator("atelier-personalizer #text-dedication").fill("With love, from us")
        await page.wait_for_timeout(QUIET_MS)
        calls: list[str] = []

        def on_request(request: Any) -> None:
            url: str = request.url
            # the API, not the immutable assets it points to, nor the batched analytics
            if url.startswith(system.gateway_url) and "/v1/assets/" not in url \
                    and "/v1/widget/events" not in url:
                calls.append(f"{request.method} {url.removeprefix(system.gateway_url)}")

        page.on("request", on_request)
        field = page.locator("atelier-personalizer #text-title")
        await field.click()
        await page.keyboard.type(TITLE[:20], delay=TYPING_DELAY_MS)
        await page.wait_for_timeout(QUIET_MS)
        figures.add("widget.server_calls_per_20_keys", len(calls), "requests", calls=calls,
                    typing_delay_ms=TYPING_DELAY_MS, quiet_after_ms=QUIET_MS,
                    measured="requests to the gateway's API while 20 keys are typed and until "
                    "quiet (assets and analytics batches aside)")
