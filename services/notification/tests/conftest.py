"""The notification service against a real SMTP server (aiosmtpd, in this process), real
Postgres and real NATS; the other services it reads (orders, mockups) are fakes."""

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import Message
from atelier.contracts.commerce import ItemStatus, Order, OrderItem, OrderStatus
from atelier.kit.broker import Bus
from atelier.kit.db import asyncpg_dsn
from atelier.kit.runtime import Runtime
from atelier.kit.testing.mailsink import MailSink
from atelier.kit.testing.plugin import running, unique
from atelier.notification.bootstrap import bootstrap
from atelier.notification.handlers import Mockup
from atelier.notification.settings import NotificationSettings

PUBLIC = "https://atelier.example"
MOCKUP_KEY = "renders/" + "a" * 64 + "/mockup-front.jpg"
PENDING = "pending"  # a mockup asked and still being drawn


class FakeLookups:
    """Commerce's orders and the render service's mockups, per brand."""

    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], Order] = {}
        self.mockups: dict[str, str] = {}

    def add_order(self, brand: str, locale: str | None = "fr-FR",
                  email: str = "ada@shopper.example") -> Order:
        snapshot = new_id()
        self.mockups[snapshot] = MOCKUP_KEY
        order = Order(
            id=new_id(), source="shopify", external_id=unique(), name="#1042",
            status=OrderStatus.IN_PRODUCTION, currency="EUR", total_minor=6990,
            created_at=datetime.now(UTC), email=email, locale=locale, timeline=[],
            items=[OrderItem(id=new_id(), line_id="1", title="Stylo gravé « Ada »",
                             snapshot_id=snapshot, quantity=1, unit_price_minor=3200,
                             total_minor=3200, currency="EUR", status=ItemStatus.QUEUED),
                   OrderItem(id=new_id(), line_id="2", title="Gift box", quantity=1,
                             unit_price_minor=3790, total_minor=3790, currency="EUR",
                             status=ItemStatus.PLAIN)])
        self.orders[(brand, order.id)] = order
        return order

    async def order(self, brand_id: str, order_id: str) -> Order | None:
        return self.orders.get((brand_id, order_id))

    async def mockup(self, brand_id: str, snapshot_id: str) -> Mockup:
        key = self.mockups.get(snapshot_id)
        return Mockup(pending=True) if key == PENDING else Mockup(key=key)


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as server:
        yield server


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups()


@pytest.fixture
def brand() -> str:
    return unique("brand-")


@pytest.fixture
def notification_settings(settings_of: Callable[..., Any], sink: MailSink
                          ) -> Callable[..., NotificationSettings]:
    def build(**overrides: Any) -> NotificationSettings:
        values = {"smtp_port": sink.port, "public_url": PUBLIC, "send_retry_base_s": 0.2,
                  "send_retry_max_s": 1.0, "send_poll_s": 0.2, "send_lease_s": 2.0,
                  "smtp_timeout_s": 5.0, "sender_domains": ["atelier.localhost", "lune.example"],
                  **overrides}
        settings = settings_of("notification", **values)
        assert isinstance(settings, NotificationSettings)
        return settings

    return build


@pytest.fixture
async def notification(notification_settings: Callable[..., NotificationSettings],
                       lookups: FakeLookups) -> AsyncIterator[Runtime]:
    settings = notification_settings()
    async with running(bootstrap(settings, lookups)) as runtime:
        yield runtime
    # the module's tests share one database: an email a test left pending (its proofs never
    # drawn, its relay refused) would otherwise be sent by the next test's runtime to its sink
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        await conn.execute("DELETE FROM notification.messages WHERE status = 'pending'")
    finally:
        await conn.close()


async def publish(bus: Bus, message: Message, envelope: Envelope, msg_id: str | None = None
                  ) -> None:
    await bus.publish_raw(message.subject, envelope.model_dump_json().encode(),
                          {"Nats-Msg-Id": msg_id or envelope.id})
