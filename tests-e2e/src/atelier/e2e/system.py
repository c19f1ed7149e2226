"""The whole system for black-box tests and the benchmark: every service as its own process on
free ports, in a database and bus namespace of their own, driven only over HTTP."""

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from atelier.devstack.demo import ORIGIN, Demo, seed
from atelier.devstack.stack import Stack
from atelier.kit.testing.mailsink import MailSink
from atelier.kit.testing.plugin import delete_streams, unique
from atelier.kit.testing.stripe_server import FakeStripe, fake_stripe

# the Stripe endpoint's signing secret ingress verifies the system's Stripe events with
STRIPE_WEBHOOK_SECRET = "whsec_" + "e2e5" * 8


@dataclass
class System:
    stack: Stack
    platform_token: str
    namespace: str
    mail: MailSink  # the SMTP server the notification service delivers to
    stripe: FakeStripe  # the Stripe API commerce makes PaymentIntents at (a local fake)

    @property
    def gateway_url(self) -> str:
        return self.stack.gateway_url

    async def new_brand(self) -> Demo:
        """A brand with keys and the demo product, created through the public API."""
        return await seed(self.gateway_url, self.platform_token)

    def widget(self, demo: Demo, **options: object) -> httpx.AsyncClient:
        """An HTTP client that behaves like the widget on the brand's storefront."""
        headers = {"X-Atelier-Key": demo.publishable_key, "Origin": ORIGIN}
        return httpx.AsyncClient(base_url=self.gateway_url, headers=headers, timeout=10.0,
                                 **options)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_system(
    database_url: str, nats_url: str, workdir: Path,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
) -> AsyncIterator[System]:
    namespace = unique("e")
    token = secrets.token_urlsafe(24)
    env = {name: dict(values) for name, values in (service_env or {}).items()}
    env.setdefault("gateway", {})["ATELIER_GATEWAY_PLATFORM_TOKEN"] = token
    mail = MailSink(directory=workdir / "mail")
    env.setdefault("notification", {}).update({
        "ATELIER_NOTIFICATION_SMTP_PORT": str(mail.port),
        "ATELIER_NOTIFICATION_SEND_RETRY_BASE_S": "0.5"})
    with fake_stripe() as stripe, mail:
        # the payment path as in production, Stripe's API a local Stripe-compatible server
        env.setdefault("commerce", {}).update({
            "ATELIER_COMMERCE_STRIPE_SECRET_KEY": stripe.secret_key,
            "ATELIER_COMMERCE_STRIPE_API_BASE": stripe.url})
        env.setdefault("ingress", {}).setdefault(
            "ATELIER_INGRESS_STRIPE_WEBHOOK_SECRETS", json.dumps([STRIPE_WEBHOOK_SECRET]))
        stack = Stack(
            database_url=database_url, nats_url=nats_url, namespace=namespace,
            storage_dir=workdir / "objects", log_dir=workdir / "log", service_env=env,
        )
        try:
            async with stack:
                yield System(stack, token, namespace, mail, stripe)
        finally:
            await delete_streams(nats_url, namespace)
