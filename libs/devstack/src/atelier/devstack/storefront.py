"""The demo storefront ``make run`` serves beside the system: a plain HTML product page
(``widget/demo/index.html``) with the widget on it, at the demo brand's allowed origin
(``demo.ORIGIN``), and a local stand-in for Shopify's AJAX Cart API (``POST /cart/add.js``,
``GET /cart.js``) that records every request it gets (``GET /cart/requests.json``), so anyone
can follow a design from the first keystroke to the cart line and its ``_atelier_snapshot``."""

import html
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

WIDGET = Path(__file__).resolve().parents[5] / "widget"
PAGE = WIDGET / "demo" / "index.html"
DIST = WIDGET / "dist"
PORT = 8000  # the demo brand allows this origin (demo.ORIGIN)
VARIANT = 40001  # the demo cart's only variant id


@dataclass
class Cart:
    """The stand-in's cart and every request made to it, in order."""

    items: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        items = body.get("items") or [body]
        added = [{"id": item.get("id"), "quantity": item.get("quantity", 1),
                  "properties": item.get("properties") or {}} for item in items]
        with self.lock:
            self.requests.append(body)
            for item in added:
                item["key"] = f"{item['id']}:{len(self.items) + 1}"
                self.items.append(item)
        return {"items": added}

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"items": list(self.items),
                    "item_count": sum(int(item["quantity"]) for item in self.items)}


@dataclass(frozen=True)
class Shop:
    gateway_url: str
    key: str
    products: dict[str, str]  # product id → name, the first shown by default
    cart: Cart = field(default_factory=Cart)

    @property
    def script_url(self) -> str:
        """The widget's entry as a brand's page loads it: from the gateway, under the build's
        version (``GET /widget/manifest.json`` says which is current)."""
        try:
            manifest = json.loads((DIST / "manifest.json").read_text("utf-8"))
        except FileNotFoundError:  # not built: the page says so in the browser's console
            return f"{self.gateway_url}/widget/manifest.json#not-built"
        return f"{self.gateway_url}/widget/{manifest['version']}/{manifest['entry']}"

    def page(self, product_id: str | None) -> str:
        product = product_id if product_id in self.products else next(iter(self.products))
        nav = "".join(f'<a href="/?product={html.escape(p)}">{html.escape(n)}</a>'
                      for p, n in self.products.items())
        fields = {"NAME": html.escape(self.products[product]), "PRODUCT": html.escape(product),
                  "KEY": html.escape(self.key), "GATEWAY": html.escape(self.gateway_url),
                  "VARIANT": str(VARIANT), "NAV": nav, "SCRIPT": html.escape(self.script_url)}
        text = PAGE.read_text("utf-8")
        for name, value in fields.items():
            text = text.replace("{{" + name + "}}", value)
        return text


def _handler(shop: Shop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            pass  # the page's requests would drown the system's own output

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: object, status: int = 200) -> None:
            self._send(status, "application/json", json.dumps(data).encode())

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                product = parse_qs(url.query).get("product", [None])[0]
                self._send(200, "text/html; charset=utf-8", shop.page(product).encode())
            elif url.path == "/cart.js":
                self._json(shop.cart.state())
            elif url.path == "/cart/requests.json":
                with shop.cart.lock:
                    self._json(list(shop.cart.requests))
            else:
                self._send(404, "text/plain", b"not found")

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if urlsplit(self.path).path != "/cart/add.js":
                self._send(404, "text/plain", b"not found")
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._json({"status": 422, "description": "The body is not JSON."}, 422)
                return
            if not isinstance(body, dict):
                self._json({"status": 422, "description": "The body is not an object."}, 422)
                return
            self._json(shop.cart.add(body))

    return Handler


class Storefront:
    """The demo store on ``port`` in a thread of its own, until ``stop``."""

    def __init__(self, shop: Shop, port: int = PORT, host: str = "127.0.0.1") -> None:
        self.shop = shop
        self.server = ThreadingHTTPServer((host, port), _handler(shop))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}/"

    def start(self) -> "Storefront":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
