"""The emails of an order's life, handed to a real SMTP server and read back as it received
them: headers, both parts, the proof images, the locale's words; once per event whatever the
redeliveries; an SMTP outage delays them, a permanent refusal is recorded and not retried."""

import asyncio
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import asyncpg
import lxml.html
import pytest

from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    ORDER_PAID,
    ORDER_SHIPPED,
    PERSONAL_DATA_ERASED,
    RENDER_COMPLETED,
    SET_EMAIL_SETTINGS,
    UNSUBSCRIBE,
)
from atelier.contracts.commerce import (
    ItemToProduce,
    OrderPaid,
    OrderShipped,
    PersonalDataErased,
)
from atelier.contracts.manufacturing import BundleFailed
from atelier.contracts.notification import EmailSettings, Unsubscribe
from atelier.contracts.render import RenderCompleted
from atelier.kit.broker import Bus
from atelier.kit.db import asyncpg_dsn
from atelier.kit.runtime import Runtime
from atelier.kit.testing.mailsink import MailSink, Received
from atelier.kit.testing.plugin import eventually, running
from atelier.notification.bootstrap import bootstrap
from atelier.notification.settings import NotificationSettings

from .conftest import MOCKUP_KEY, PENDING, PUBLIC, FakeLookups, publish

LUNE = EmailSettings(sender_name="Maison Lune", sender_address="commandes@lune.example",
                     reply_to="bonjour@lune.example", operations_address="atelier@lune.example",
                     default_locale="en")


async def configure(bus: Bus, brand: str, settings: EmailSettings = LUNE) -> None:
    await bus.call(SET_EMAIL_SETTINGS, settings, brand_id=brand)


def paid(brand: str, order_id: str) -> Envelope[OrderPaid]:
    return Envelope[OrderPaid](type=ORDER_PAID.type, producer="commerce", brand_id=brand,
                               data=OrderPaid(order_id=order_id, order_name="#1042", items=[
                                   ItemToProduce(item_id=new_id(), snapshot_id=new_id(),
                                                 product_id=new_id(), quantity=1)]))


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    # as a reader shows them: line ends are CRLF on the wire
    return (text.get_content().replace("\r\n", "\n"),  # type: ignore[attr-defined]
            html.get_content())  # type: ignore[attr-defined]


async def rows(settings_url: str, brand: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(settings_url))
    try:
        return await conn.fetch("SELECT * FROM notification.messages WHERE brand_id = $1 "
                                "ORDER BY created_at", brand)
    finally:
        await conn.close()


async def test_the_confirmation_arrives_with_its_headers_both_parts_proofs_and_locale(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand)
    order = lookups.add_order(brand, locale="fr-CA")
    event = paid(brand, order.id)
    await publish(client_bus, ORDER_PAID, event)
    [received] = await eventually(lambda: sink.to("ada@shopper.example"))
    message = received.message
    assert message["From"] == "Maison Lune <commandes@lune.example>"
    assert received.sender == "commandes@lune.example"  # the envelope's sender too
    assert message["Reply-To"] == "bonjour@lune.example"
    assert message["To"] == "ada@shopper.example"
    assert message["Subject"] == "Votre commande #1042 est confirmée"  # the order's locale
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(
        "@lune.example>")
    assert message["List-Unsubscribe"] is None  # transactional: nothing to unsubscribe from
    text, html = parts(message)
    assert "Merci pour votre commande" in text and "69,90\u00a0€" in text
    assert "Stylo gravé « Ada »" in html
    tree = lxml.html.document_fromstring(html)
    assert tree.get("lang") == "fr"
    proof = f"{PUBLIC}/v1/assets/{MOCKUP_KEY}"
    [image] = [img for img in tree.iter("img") if img.get("src") == proof]
    assert image.get("alt") == "Épreuve de Stylo gravé « Ada », telle qu’elle sera fabriquée"
    assert proof in text  # the plain part links it too
    assert "L’épreuve de cet article arrive bientôt." not in html  # the box has no design...
    assert "Gift box" in html  # ...but is listed
    await eventually(lambda: _status(notification.settings.database_url, brand, "sent"))
    [row] = await rows(notification.settings.database_url, brand)
    assert (row["status"], row["attempts"], row["event_id"], row["template"]) == (
        "sent", 1, event.id, "order_confirmation")
    assert row["message_id"] == message["Message-ID"]


async def test_a_confirmation_waits_for_a_proof_still_being_drawn(
    notification_settings: Callable[..., NotificationSettings], client_bus: Bus, sink: MailSink,
    lookups: FakeLookups, brand: str,
) -> None:
    settings = notification_settings(retry_base_delay_s=0.2, retry_max_delay_s=0.5,
                                     max_deliver=40, proof_wait_s=5)
    async with running(bootstrap(settings, lookups)):
        order = lookups.add_order(brand, email="eve@shopper.example")
        [snapshot] = [item.snapshot_id for item in order.items if item.snapshot_id]
        lookups.mockups[snapshot] = PENDING  # the shopper paid faster than render drew it
        await publish(client_bus, ORDER_PAID, paid(brand, order.id))
        await asyncio.sleep(1.5)  # the event came back several times: nothing sent yet
        assert sink.to("eve@shopper.example") == []
        lookups.mockups[snapshot] = MOCKUP_KEY  # drawn
        [received] = await eventually(lambda: sink.to("eve@shopper.example"))
    _, html = parts(received.message)
    assert f"{PUBLIC}/v1/assets/{MOCKUP_KEY}" in html


async def test_a_confirmation_goes_without_a_proof_not_drawn_in_time(
    notification_settings: Callable[..., NotificationSettings], client_bus: Bus, sink: MailSink,
    lookups: FakeLookups, brand: str,
) -> None:
    async with running(bootstrap(notification_settings(proof_wait_s=0), lookups)):
        order = lookups.add_order(brand, email="fay@shopper.example")
        [snapshot] = [item.snapshot_id for item in order.items if item.snapshot_id]
        lookups.mockups[snapshot] = PENDING
        await publish(client_bus, ORDER_PAID, paid(brand, order.id))
        [received] = await eventually(lambda: sink.to("fay@shopper.example"))
    # never so long that the event would be dead-lettered while it waits
    assert notification_settings(max_deliver=4, retry_base_delay_s=1, retry_max_delay_s=60
                                 ).proof_wait == (1 + 2 + 4) / 2
    _, html = parts(received.message)
    assert "/v1/assets/" not in html
    assert "L’épreuve de cet article arrive bientôt." in html


async def test_an_order_without_a_locale_is_written_in_the_brands_language(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand, LUNE.model_copy(update={"default_locale": "fr"}))
    order = lookups.add_order(brand, locale=None, email="bob@shopper.example")
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    [received] = await eventually(lambda: sink.to("bob@shopper.example"))
    assert received.message["Subject"] == "Votre commande #1042 est confirmée"
    order = lookups.add_order(brand, locale="de-DE", email="carl@shopper.example")
    await configure(client_bus, brand, LUNE)  # English by default
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    [received] = await eventually(lambda: sink.to("carl@shopper.example"))
    assert received.message["Subject"] == "Your order #1042 is confirmed"


async def test_a_brand_without_settings_sends_from_the_platforms_default_sender(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    order = lookups.add_order(brand, locale="en")
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    [received] = await eventually(lambda: sink.to("ada@shopper.example"))
    assert received.message["From"] == "Atelier <orders@atelier.localhost>"
    assert received.message["Reply-To"] is None


async def test_a_duplicated_event_sends_once(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand)
    order = lookups.add_order(brand)
    event = paid(brand, order.id)
    # past JetStream's duplicate window (another Nats-Msg-Id), then past the inbox too (its
    # entry purged, as housekeeping does after inbox_retention_h): the sent log holds
    await publish(client_bus, ORDER_PAID, event)
    await eventually(lambda: sink.to("ada@shopper.example"))
    await publish(client_bus, ORDER_PAID, event, msg_id=new_id())
    conn = await asyncpg.connect(asyncpg_dsn(notification.settings.database_url))
    try:
        await eventually(lambda: conn.fetchval(
            "SELECT count(*) FROM notification.inbox WHERE message_id = $1", event.id))
        await asyncio.sleep(0.5)
        await conn.execute("DELETE FROM notification.inbox WHERE message_id = $1", event.id)
    finally:
        await conn.close()
    await publish(client_bus, ORDER_PAID, event, msg_id=new_id())
    await eventually(lambda: _inbox_has(notification, event.id))
    await asyncio.sleep(1.0)  # time for a second email, were there one
    assert len(sink.to("ada@shopper.example")) == 1
    assert len(await rows(notification.settings.database_url, brand)) == 1


async def _inbox_has(runtime: Runtime, message_id: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(runtime.settings.database_url))
    try:
        return bool(await conn.fetchval(
            "SELECT count(*) FROM notification.inbox WHERE message_id = $1", message_id))
    finally:
        await conn.close()


async def test_an_smtp_outage_delays_the_email_and_never_loses_it(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    sink.stop()  # the relay is down: every connection refused
    await configure(client_bus, brand)
    order = lookups.add_order(brand)
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    url = notification.settings.database_url

    async def retried() -> bool:
        found = await rows(url, brand)
        return bool(found) and found[0]["attempts"] >= 4 and found[0]["status"] == "pending"

    await eventually(retried, timeout=20)
    [row] = await rows(url, brand)
    assert "Connect" in row["last_error"] or "refused" in row["last_error"].lower()
    sink.start()  # back

    def ours() -> list[Received]:
        # the same database serves the module's tests: another test's email still pending may be
        # sent through this sink too, so this one is told by its Message-ID
        return [r for r in sink.to("ada@shopper.example")
                if r.message["Message-ID"] == row["message_id"]]

    await eventually(ours, timeout=10)
    await eventually(lambda: _status(url, brand, "sent"))
    await asyncio.sleep(0.5)
    assert len(ours()) == 1


async def _status(url: str, brand: str, status: str) -> bool:
    return [r["status"] for r in await rows(url, brand)] == [status]


async def test_a_temporary_refusal_is_tried_again(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    sink.refuse_data.append("451 4.3.0 try again later")
    await configure(client_bus, brand)
    order = lookups.add_order(brand)
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    await eventually(lambda: sink.to("ada@shopper.example"))
    await eventually(lambda: _status(notification.settings.database_url, brand, "sent"))
    [row] = await rows(notification.settings.database_url, brand)
    assert row["attempts"] == 2 and row["last_error"] is None


async def test_a_permanent_refusal_is_recorded_and_not_retried(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    sink.refuse_recipients["gone@shopper.example"] = "550 5.1.1 mailbox does not exist"
    await configure(client_bus, brand)
    order = lookups.add_order(brand, email="gone@shopper.example")
    await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    url = notification.settings.database_url
    await eventually(lambda: _status(url, brand, "failed"))
    await asyncio.sleep(1.5)  # several retry delays: none comes
    [row] = await rows(url, brand)
    assert row["attempts"] == 1 and row["last_error"] == "550 5.1.1 mailbox does not exist"
    assert sink.attempts.count("gone@shopper.example") == 1
    # the address bounced: the brand's next email to it is not even tried
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await conn.fetchval(
            "SELECT reason FROM notification.suppressions WHERE brand_id = $1 AND address = $2",
            brand, "gone@shopper.example") == "bounced"
    finally:
        await conn.close()
    shipped = Envelope[OrderShipped](type=ORDER_SHIPPED.type, producer="commerce",
                                     brand_id=brand, data=OrderShipped(order_id=order.id))
    await publish(client_bus, ORDER_SHIPPED, shipped)
    await eventually(lambda: _statuses(url, brand, ["failed", "suppressed"]))
    assert sink.attempts.count("gone@shopper.example") == 1


async def _statuses(url: str, brand: str, statuses: list[str]) -> bool:
    return sorted(r["status"] for r in await rows(url, brand)) == statuses


async def test_an_order_of_plain_products_only_gets_no_shipping_email(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    """Atelier never confirmed it (the shop did): its shipping is the shop's to tell too."""
    await configure(client_bus, brand)
    order = lookups.add_order(brand, locale="en")
    plain = order.model_copy(update={"items": [i for i in order.items if not i.snapshot_id]})
    lookups.orders[(brand, order.id)] = plain
    shipped = Envelope[OrderShipped](type=ORDER_SHIPPED.type, producer="commerce",
                                     brand_id=brand, data=OrderShipped(order_id=order.id))
    await publish(client_bus, ORDER_SHIPPED, shipped)
    await eventually(lambda: _inbox_has(notification, shipped.id))
    assert await rows(notification.settings.database_url, brand) == []
    assert sink.to("ada@shopper.example") == []


async def test_the_shipping_email_carries_the_tracking_link(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand)
    order = lookups.add_order(brand, locale="en")
    tracking = "https://tracking.example/parcels/6A12345678901?lang=en&x=%3C1%3E"
    shipped = Envelope[OrderShipped](
        type=ORDER_SHIPPED.type, producer="commerce", brand_id=brand,
        data=OrderShipped(order_id=order.id, order_name="#1042", tracking_company="La Poste",
                          tracking_number="6A12345678901", tracking_url=tracking))
    await publish(client_bus, ORDER_SHIPPED, shipped)
    [received] = await eventually(lambda: sink.to("ada@shopper.example"))
    assert received.message["Subject"] == "Your order #1042 is on its way"
    text, html = parts(received.message)
    links = [a.get("href") for a in lxml.html.document_fromstring(html).iter("a")]
    assert tracking in links  # escaped in the HTML, the same address once parsed
    assert f"Track your parcel\n{tracking}" in text and "La Poste" in text


async def test_a_production_error_goes_to_operations_with_the_reason_and_a_retry_link(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand)
    order = lookups.add_order(brand)
    work_order = new_id()
    failed = Envelope[BundleFailed](
        type=BUNDLE_FAILED.type, producer="manufacturing", brand_id=brand,
        data=BundleFailed(work_order_id=work_order, snapshot_id=new_id(),
                          reason="the font has no glyph for 'ß'", order_id=order.id,
                          item_id=order.items[0].id))
    await publish(client_bus, BUNDLE_FAILED, failed)
    [received] = await eventually(lambda: sink.to("atelier@lune.example"))
    assert received.message["Subject"] == "Production failed for order #1042"  # brand's locale
    text, html = parts(received.message)
    retry = f"{PUBLIC}/v1/manufacturing/work-orders/{work_order}/export"
    assert retry in [a.get("href") for a in lxml.html.document_fromstring(html).iter("a")]
    assert "the font has no glyph for &#x27;ß&#x27;" in html or "glyph for 'ß'" in text
    assert "Stylo gravé « Ada »" in text and received.message["List-Unsubscribe"] is None


def rendered(brand: str, snapshot: str) -> Envelope[RenderCompleted]:
    return Envelope[RenderCompleted](
        type=RENDER_COMPLETED.type, producer="render", brand_id=brand,
        data=RenderCompleted(spec_hash="b" * 64, kind="mockup", view="front",
                             object_key=MOCKUP_KEY, content_type="image/jpeg", width_px=800,
                             height_px=800, snapshot_id=snapshot))


async def test_render_ready_is_off_by_default_and_once_on_can_be_unsubscribed(
    notification: Runtime, client_bus: Bus, sink: MailSink, brand: str,
) -> None:
    await configure(client_bus, brand)
    off = rendered(brand, new_id())
    await publish(client_bus, RENDER_COMPLETED, off)
    await eventually(lambda: _inbox_has(notification, off.id))
    assert sink.to("atelier@lune.example") == []
    assert await rows(notification.settings.database_url, brand) == []

    await configure(client_bus, brand, LUNE.model_copy(update={"render_ready": True}))
    await publish(client_bus, RENDER_COMPLETED, rendered(brand, new_id()))
    [received] = await eventually(lambda: sink.to("atelier@lune.example"))
    message = received.message
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC}/v1/email/unsubscribe?token=") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    link = header[1:-1]
    assert link in [a.get("href") for a in lxml.html.document_fromstring(html).iter("a")]
    assert link in text
    token = link.split("token=", 1)[1]
    await client_bus.call(UNSUBSCRIBE, Unsubscribe(token=token), brand_id=None)
    await publish(client_bus, RENDER_COMPLETED, rendered(brand, new_id()))
    url = notification.settings.database_url
    await eventually(lambda: _statuses(url, brand, ["sent", "suppressed"]))
    assert len(sink.to("atelier@lune.example")) == 1


@pytest.mark.parametrize(("template", "resent"), [
    ("order_confirmation", True), ("render_ready", False)])
async def test_a_sender_that_died_mid_exchange_resends_at_least_once_or_gives_up_at_most_once(
    notification_settings: Callable[..., Any], lookups: FakeLookups, client_bus: Bus,
    sink: MailSink, brand: str, template: str, resent: bool,
) -> None:
    # a lease no slow machine outlasts: only the claim the test makes stale is taken again
    settings = notification_settings(send_lease_s=60.0)
    async with running(bootstrap(settings, lookups)):
        await configure(client_bus, brand, LUNE.model_copy(update={"render_ready": True}))
        if template == "order_confirmation":
            order = lookups.add_order(brand)
            await publish(client_bus, ORDER_PAID, paid(brand, order.id))
        else:
            await publish(client_bus, RENDER_COMPLETED, rendered(brand, new_id()))
        first: list[Received] = await eventually(lambda: sink.received[:1])
        await eventually(lambda: _status(settings.database_url, brand, "sent"))
    # as if the process had died after the server took the email, before marking it sent
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        await conn.execute("UPDATE notification.messages SET status = 'sending', "
                           "claimed_at = now() - interval '1 hour' WHERE brand_id = $1", brand)
    finally:
        await conn.close()
    async with running(bootstrap(settings, lookups)):
        expected = "sent" if resent else "unknown"
        await eventually(lambda: _status(settings.database_url, brand, expected))
        await asyncio.sleep(0.5)
    assert len(sink.received) == (2 if resent else 1)
    assert {r.message["Message-ID"] for r in sink.received} == {first[0].message["Message-ID"]}
    [row] = await rows(settings.database_url, brand)
    assert row["attempts"] == (2 if resent else 1)


async def test_a_shops_privacy_request_erases_its_shoppers_address_and_emails(
    notification: Runtime, client_bus: Bus, sink: MailSink, lookups: FakeLookups, brand: str,
) -> None:
    await configure(client_bus, brand)
    erased_order = lookups.add_order(brand)
    kept_order = lookups.add_order(brand, email="bob@shopper.example")
    for order in (erased_order, kept_order):
        await publish(client_bus, ORDER_PAID, paid(brand, order.id))
    url = notification.settings.database_url
    await eventually(lambda: _statuses(url, brand, ["sent", "sent"]))
    erased = Envelope[PersonalDataErased](
        type=PERSONAL_DATA_ERASED.type, producer="commerce", brand_id=brand,
        data=PersonalDataErased(order_ids=[erased_order.id]))
    await publish(client_bus, PERSONAL_DATA_ERASED, erased)
    await eventually(lambda: _inbox_has(notification, erased.id))
    by_order = {row["order_id"]: row for row in await rows(url, brand)}
    gone, kept = by_order[erased_order.id], by_order[kept_order.id]
    assert gone["recipient"] == f"erased:{gone['id']}" and gone["mime"] is None
    assert gone["status"] == "sent" and gone["message_id"]  # what was sent, and when, stays
    assert kept["recipient"] == "bob@shopper.example" and kept["mime"]

    # the whole shop: every shopper's email, one not sent yet included, never sent then
    sink.stop()
    late = lookups.add_order(brand, email="cy@shopper.example")
    await publish(client_bus, ORDER_PAID, paid(brand, late.id))
    await eventually(lambda: _statuses(url, brand, ["pending", "sent", "sent"]))
    shop = Envelope[PersonalDataErased](
        type=PERSONAL_DATA_ERASED.type, producer="commerce", brand_id=brand,
        data=PersonalDataErased(every_order=True))
    await publish(client_bus, PERSONAL_DATA_ERASED, shop)
    await eventually(lambda: _inbox_has(notification, shop.id))
    found = await rows(url, brand)
    assert all(r["recipient"] == f"erased:{r['id']}" and r["mime"] is None for r in found)
    assert sorted(r["status"] for r in found) == ["failed", "sent", "sent"]
    sink.start()
    await asyncio.sleep(1)
    assert sink.to("cy@shopper.example") == []
