"""Debian's Chromium driven by Playwright (the PyPI package; never ``playwright install``), on a
storefront that exists only inside the browser: every request to the demo brand's allowed
origin (``atelier.devstack.demo.ORIGIN``) is answered by the test from the built widget
(``widget/dist``) and pages it writes, so no port is taken and the widget's calls to the gateway
are cross-origin, CORS and all, exactly as on a shop."""

import contextlib
import json
import mimetypes
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from playwright.async_api import Browser, Page, Request, Route, async_playwright

from atelier.devstack.demo import ORIGIN

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         # WebGL in software for the 3D view, as on a machine without a GPU
         "--enable-unsafe-swiftshader",
         # the storefront is answered inside the browser, so Chromium cannot tell it is on this
         # machine and would ask the shopper before the page reaches the gateway on loopback
         "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"]
WIDGET = Path(__file__).resolve().parents[4] / "widget"
DIST = WIDGET / "dist"
SCRIPT = f"{ORIGIN}/widget/atelier-personalizer.js"


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


def widget_page(product_id: str, key: str, gateway_url: str, lang: str = "en",
                variant: str = "40001") -> str:
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Storefront</title>
<script type="module" src="{SCRIPT}"></script></head>
<body><main><h1>Product</h1>
<atelier-personalizer product="{product_id}" key="{key}" api="{gateway_url}" variant="{variant}">
</atelier-personalizer></main></body></html>"""


Handler = Callable[[Request], tuple[int, str, bytes] | None]


async def storefront(page: Page, pages: dict[str, str], handler: Handler | None = None) -> None:
    """Answer the storefront origin: ``pages`` by path, the widget's files under ``/widget/``,
    and anything else through ``handler`` (the cart stand-in), else 404."""

    async def answer(route: Route) -> None:
        request = route.request
        path = request.url.removeprefix(ORIGIN).split("?")[0]
        if path in pages:
            await route.fulfill(status=200, content_type="text/html", body=pages[path])
            return
        if path.startswith("/widget/"):
            file = DIST / path.removeprefix("/widget/")
            if file.is_file():
                kind = "text/javascript" if file.suffix == ".js" else (
                    mimetypes.guess_type(file.name)[0] or "application/octet-stream")
                if file.suffix == ".wasm":
                    kind = "application/wasm"
                await route.fulfill(status=200, content_type=kind, body=file.read_bytes())
                return
        answered = handler(request) if handler else None
        if answered is None:
            await route.fulfill(status=404, body="not found")
            return
        status, kind, body = answered
        await route.fulfill(status=status, content_type=kind, body=body)

    await page.route(f"{ORIGIN}/**", answer)


def console(page: Page) -> list[str]:
    """What the page logs and throws, to show when something fails."""
    said: list[str] = []
    page.on("console", lambda message: said.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: said.append(f"error: {error}"))
    return said


async def ready(page: Page, said: list[str]) -> None:
    """Wait until the widget's validator is loaded (config, HarfBuzz, fonts)."""
    try:
        await page.wait_for_function(
            "() => document.querySelector('atelier-personalizer')?.validator != null",
            timeout=30_000)
    except Exception as error:
        raise AssertionError("the widget never got ready:\n" + "\n".join(said)) from error


def as_json(data: object) -> bytes:
    return json.dumps(data).encode()


# Installed before any page script: WebGL is refused, as on a browser or device without it.
NO_WEBGL = """(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    return /webgl/i.test(kind) ? null : getContext.call(this, kind, ...rest);
  };
})();"""
AXE = WIDGET / "node_modules" / "axe-core" / "axe.min.js"
