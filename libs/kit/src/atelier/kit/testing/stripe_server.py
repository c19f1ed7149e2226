"""A Stripe-compatible test server: the endpoints Atelier uses, answered as Stripe answers them,
for tests and the end-to-end system (there is no stripe-mock here and no internet). The official
SDK talks to it through its API base, unchanged.

- ``POST /v1/payment_intents``: form-encoded as the SDK sends it (``metadata[k]=v``), the
  secret key as a Bearer token, an ``Idempotency-Key`` honoured as Stripe does: the same key
  with the same parameters answers the first PaymentIntent again (``Idempotent-Replayed:
  true``), with other parameters a 400 ``idempotency_error``.
- ``GET /v1/payment_intents/{id}``.

The events a payment goes through (``succeed``, ``decline``, ``refund``) are built from the
PaymentIntent it holds, in Stripe's event shape: a test signs them (with the SDK's own
``stripe.WebhookSignature``) and delivers them to ingress. A refunded charge carries no metadata,
as a charge need not. ``fail_next`` makes the next requests fail as Stripe's outages do."""

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_atelier_fake"
API_VERSION = "2025-01-27.acacia"
STRIPE_MAX_AMOUNT = 99_999_999


def form(body: str) -> dict[str, Any]:
    """Stripe's form encoding read back: ``metadata[a]=1&items[0][x]=2`` → nested dicts (list
    indexes stay keys: the endpoints here take none)."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        path = key.replace("]", "").split("[")
        node = params
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return params


class _Refused(Exception):
    def __init__(self, status: int, kind: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message,
                               **({"param": param} if param else {})}}


class FakeStripe:
    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.intents: dict[str, dict[str, Any]] = {}
        self.created = 0  # PaymentIntents made (replays of an idempotency key are not)
        self._replies: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeStripe":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="fake-stripe")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """The next ``times`` requests are answered ``status`` (500: an ``api_error``)."""
        with self._lock:
            self._failures.extend([status] * times)

    # --- the events of a payment -----------------------------------------------------------------
    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"evt_{secrets.token_hex(12)}", "object": "event",
                "api_version": API_VERSION, "created": int(time.time()), "livemode": False,
                "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                "type": kind, "data": {"object": json.loads(json.dumps(obj))}}

    def succeed(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """The shopper paid (``amount``: what Stripe received, by default the intent's)."""
        with self._lock:
            intent = self.intents[intent_id]
            intent.update(status="succeeded", amount_received=amount or intent["amount"],
                          latest_charge=f"ch_{secrets.token_hex(12)}")
            return self.event("payment_intent.succeeded", intent)

    def decline(self, intent_id: str, message: str = "Your card was declined.") -> dict[str, Any]:
        with self._lock:
            intent = self.intents[intent_id]
            intent.update(status="requires_payment_method", last_payment_error={
                "type": "card_error", "code": "card_declined", "message": message})
            return self.event("payment_intent.payment_failed", intent)

    def refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """``charge.refunded`` of the intent's charge (``amount``: by default all of it)."""
        with self._lock:
            intent = self.intents[intent_id]
            refunded = amount or intent["amount_received"]
            charge = {"id": intent["latest_charge"], "object": "charge",
                      "amount": intent["amount_received"], "amount_refunded": refunded,
                      "currency": intent["currency"], "payment_intent": intent_id,
                      "refunded": refunded == intent["amount_received"], "metadata": {},
                      "status": "succeeded", "livemode": False}
            return self.event("charge.refunded", charge)

    # --- the API -------------------------------------------------------------------------------
    def _create(self, params: dict[str, Any], key: str | None) -> tuple[int, dict[str, Any],
                                                                         bool]:
        with self._lock:
            if key is not None and key in self._replies:
                first, status, body = self._replies[key]
                if first != params:
                    raise _Refused(400, "idempotency_error", "Keys for idempotent requests can "
                                   "only be used with the same parameters they were first "
                                   "used with.")
                return status, body, True
            amount, currency = params.get("amount", ""), params.get("currency", "")
            if not amount.isdigit() or not 1 <= int(amount) <= STRIPE_MAX_AMOUNT:
                raise _Refused(400, "invalid_request_error", "Invalid integer: amount",
                               "amount")
            if len(currency) != 3 or not currency.isalpha() or not currency.islower():
                raise _Refused(400, "invalid_request_error", "Invalid currency", "currency")
            intent_id = f"pi_{secrets.token_hex(12)}"
            intent = {
                "id": intent_id, "object": "payment_intent", "amount": int(amount),
                "amount_received": 0, "currency": currency, "status": "requires_payment_method",
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                "metadata": params.get("metadata", {}), "created": int(time.time()),
                "livemode": False, "receipt_email": params.get("receipt_email"),
                "latest_charge": None, "last_payment_error": None,
                "automatic_payment_methods": {"enabled": True},
            }
            self.intents[intent_id] = intent
            self.created += 1
            if key is not None:
                self._replies[key] = (params, 200, intent)
            return 200, dict(intent), False

    def _answer(self, method: str, path: str, headers: Any, body: str
                ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            raise _Refused(failure, "api_error", "Stripe is failing (fake).")
        if headers.get("Authorization") != f"Bearer {self.secret_key}":
            raise _Refused(401, "invalid_request_error", "Invalid API Key provided.")
        if method == "POST" and path == "/v1/payment_intents":
            status, intent, replayed = self._create(form(body), headers.get("Idempotency-Key"))
            return status, intent, {"Idempotent-Replayed": "true"} if replayed else {}
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            with self._lock:
                found = self.intents.get(path.rsplit("/", 1)[1])
            if found is None:
                raise _Refused(404, "invalid_request_error", "No such payment_intent", "intent")
            return 200, dict(found), {}
        raise _Refused(404, "invalid_request_error", f"Unrecognized request URL ({method}: "
                       f"{path}).")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path = self.path.split("?", 1)[0]
                try:
                    status, answer, extra = fake._answer(self.command, path, self.headers, body)
                except _Refused as refused:
                    status, answer, extra = refused.status, refused.body, {}
                encoded = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(encoded)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: the tests say what they check

        return Handler


@contextmanager
def fake_stripe() -> Iterator[FakeStripe]:
    stripe = FakeStripe().start()
    try:
        yield stripe
    finally:
        stripe.stop()
