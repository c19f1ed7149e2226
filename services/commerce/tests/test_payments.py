"""The Stripe payment path on real Postgres and NATS: prices, payment intents made through the
official SDK (pointed at the local Stripe-compatible server), and Stripe's events applied to the
orders, out of order included."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from atelier.commerce import handlers, payments
from atelier.commerce.bootstrap import bootstrap
from atelier.commerce.payments import Payments
from atelier.commerce.settings import CommerceSettings
from atelier.contracts import Envelope, new_id
from atelier.contracts.catalog import CREATE_PAYMENT_INTENT, SET_PRICE, WEBHOOK_RECEIVED
from atelier.contracts.commerce import (
    CreatePaymentIntent,
    PaymentIntentView,
    PaymentItem,
    SetPrice,
)
from atelier.contracts.ingress import WebhookReceived, WebhookSource
from atelier.kit.errors import AtelierError, Conflict, Invalid, NotFound, Unavailable
from atelier.kit.runtime import Runtime
from atelier.kit.testing.fakes import envelope
from atelier.kit.testing.plugin import eventually, running
from atelier.kit.testing.servers import free_port
from atelier.kit.testing.stripe_server import SECRET_KEY, FakeStripe, fake_stripe

from .conftest import PRODUCT, FakeSnapshots
from .test_orders import orders_of, paid_events, publish

MUG = "prod-mug"


@pytest.fixture
def stripe_api() -> Iterator[FakeStripe]:
    with fake_stripe() as server:
        yield server


def with_stripe(settings_of: Any, api_base: str, **more: Any) -> Any:
    return settings_of("commerce", stripe_secret_key=SECRET_KEY, stripe_api_base=api_base,
                       **more)


@pytest.fixture
async def commerce(settings_of, snapshots, brand, stripe_api) -> AsyncIterator[Runtime]:  # noqa: ANN001
    runtime = bootstrap(with_stripe(settings_of, stripe_api.url), snapshots)
    async with running(runtime):
        yield runtime


async def set_price(runtime: Runtime, brand: str, product_id: str, currency: str, amount: int,
                    surcharges: dict[str, int] | None = None) -> None:
    price = SetPrice(product_id=product_id, currency=currency, amount_minor=amount,
                     zone_surcharges=surcharges or {})
    await runtime.bus.handle(SET_PRICE, envelope(SET_PRICE, price, brand_id=brand),
                             request_key=new_id())


async def pay(runtime: Runtime, brand: str, items: list[tuple[str, int]],
              request_key: str | None = None, **extra: Any) -> PaymentIntentView:
    request = CreatePaymentIntent(items=[PaymentItem(snapshot_id=s, quantity=q)
                                         for s, q in items], **extra)
    return await runtime.bus.handle(
        CREATE_PAYMENT_INTENT, envelope(CREATE_PAYMENT_INTENT, request, brand_id=brand),
        request_key=request_key or new_id())


def stripe_delivery(brand: str, event: dict[str, Any]) -> Envelope[WebhookReceived]:
    data = WebhookReceived(delivery_id=new_id(), source=WebhookSource.STRIPE,
                           topic=event["type"], event_id=event["id"], payload=event)
    return Envelope[WebhookReceived](type=WEBHOOK_RECEIVED.type, producer="ingress",
                                     brand_id=brand, data=data)


# --- payment intents ---------------------------------------------------------------------------
@pytest.mark.parametrize(("currency", "price", "surcharges", "filled", "quantity", "amount"), [
    ("JPY", 4500, {"name": 800, "date": 300}, {"name"}, 3, (4500 + 800) * 3),
    ("KWD", 12_250, {"name": 1_500}, {"name"}, 2, (12_250 + 1_500) * 2),  # 12.250 KD + 1.500
    ("EUR", 2450, {"name": 500, "date": 250}, {"name", "date"}, 1, 2450 + 500 + 250),
    ("USD", 1999, {"name": 500}, set(), 4, 1999 * 4),  # no zone filled: no surcharge
])
async def test_the_amount_is_computed_on_the_server_from_the_price_and_the_zones_used(
    commerce, snapshots, brand, stripe_api, currency, price, surcharges, filled, quantity, amount
) -> None:
    await set_price(commerce, brand, PRODUCT, currency, price, surcharges)
    snapshot = snapshots.add(brand, filled=filled)
    paid = await pay(commerce, brand, [(snapshot, quantity)], email="ada@example.com",
                     locale="fr-FR")
    assert (paid.amount_minor, paid.currency, paid.status) == (amount, currency, "pending")
    intent = stripe_api.intents[paid.payment_intent_id]  # what Stripe was asked
    assert (intent["amount"], intent["currency"]) == (amount, currency.lower())
    assert intent["metadata"] == {"atelier_brand_id": brand, "atelier_order_id": paid.order_id}
    assert intent["receipt_email"] == "ada@example.com"
    assert paid.client_secret == intent["client_secret"]
    [order] = await orders_of(commerce, brand)
    assert (order.id, order.source, order.external_id, order.status) == (
        paid.order_id, "stripe", paid.payment_intent_id, "pending")
    [item] = order.items
    assert (item.snapshot_id, item.quantity, item.total_minor, item.status) == (
        snapshot, quantity, amount, "pending")
    assert item.unit_price_minor * quantity == amount
    assert await paid_events(commerce.settings.database_url, brand) == []


async def test_two_products_add_up_in_one_currency_and_several_are_refused(
    commerce, snapshots, brand
) -> None:
    await set_price(commerce, brand, PRODUCT, "EUR", 2400, {"name": 600})
    await set_price(commerce, brand, MUG, "EUR", 1500)
    pen, mug = snapshots.add(brand, filled={"name"}), snapshots.add(brand, MUG)
    paid = await pay(commerce, brand, [(pen, 2), (mug, 1)])
    assert paid.amount_minor == 3000 * 2 + 1500
    await set_price(commerce, brand, MUG, "USD", 1500)
    with pytest.raises(Invalid) as refused:
        await pay(commerce, brand, [(pen, 1), (mug, 1)])
    assert [e.code for e in refused.value.errors] == ["currency_mismatch"]


async def test_the_same_request_key_makes_one_payment_intent_and_one_order(
    commerce, snapshots, brand, stripe_api
) -> None:
    await set_price(commerce, brand, PRODUCT, "EUR", 2450)
    snapshot = snapshots.add(brand)
    first, again = await asyncio.gather(pay(commerce, brand, [(snapshot, 1)], "req-1"),
                                        pay(commerce, brand, [(snapshot, 1)], "req-1"))
    assert first == again
    assert stripe_api.created == 1 and len(await orders_of(commerce, brand)) == 1
    other = await pay(commerce, brand, [(snapshot, 1)], "req-2")
    assert other.payment_intent_id != first.payment_intent_id and stripe_api.created == 2


async def test_a_payment_intent_made_but_not_committed_is_the_one_a_retry_gets(
    commerce, snapshots, brand, stripe_api
) -> None:
    """Stripe answered, then the order's transaction was lost (a crash, a timeout): the retry
    asks Stripe under the same idempotency key with the same order id, and gets the same
    PaymentIntent: never two for one request."""
    await set_price(commerce, brand, PRODUCT, "EUR", 2450)
    snapshot = snapshots.add(brand)
    request = CreatePaymentIntent(items=[PaymentItem(snapshot_id=snapshot, quantity=1)])
    async with commerce.uow(brand) as uow:  # left without commit: rolled back
        lost = await handlers.create_payment_intent(
            uow, snapshots, commerce_payments(commerce), brand, request, "req-crash")
    assert await orders_of(commerce, brand) == []
    retried = await pay(commerce, brand, [(snapshot, 1)], "req-crash")
    assert (retried.payment_intent_id, retried.order_id) == (lost.payment_intent_id,
                                                             lost.order_id)
    assert stripe_api.created == 1 and len(await orders_of(commerce, brand)) == 1


async def test_a_request_key_whose_order_exists_is_a_conflict_not_a_second_answer(
    commerce, snapshots, brand, stripe_api
) -> None:
    """Days later the kit and Stripe have forgotten a request key its order still answers
    to: the request is refused (409), never answered with another payment's order."""
    await set_price(commerce, brand, PRODUCT, "EUR", 2450)
    request = CreatePaymentIntent(items=[PaymentItem(snapshot_id=snapshots.add(brand))])
    for attempt in (1, 2):  # straight to the handler: as if the kit had forgotten the key
        async with commerce.uow(brand) as uow:
            if attempt == 1:
                await handlers.create_payment_intent(
                    uow, snapshots, commerce_payments(commerce), brand, request, "req-old")
                await uow.commit()
            else:
                with pytest.raises(Conflict) as refused:
                    await handlers.create_payment_intent(
                        uow, snapshots, commerce_payments(commerce), brand, request, "req-old")
    assert [e.code for e in refused.value.errors] == ["idempotency_key_reused"]
    assert len(await orders_of(commerce, brand)) == 1


def commerce_payments(runtime: Runtime) -> Payments | None:
    """The Stripe client commerce's composition root makes, for a test driving the handler."""
    assert isinstance(runtime.settings, CommerceSettings)
    return payments.from_settings(runtime.settings)


async def test_stripe_failing_is_a_503_with_retry_after_and_leaves_no_order(
    commerce, snapshots, brand, stripe_api
) -> None:
    await set_price(commerce, brand, PRODUCT, "EUR", 2450)
    snapshot = snapshots.add(brand)
    stripe_api.fail_next(500, times=2)  # the SDK's one retry fails too
    with pytest.raises(Unavailable) as failed:
        await pay(commerce, brand, [(snapshot, 1)], "req-outage")
    assert failed.value.retry_after_s == 5
    assert [e.code for e in failed.value.errors] == ["payment_provider_failed"]
    assert await orders_of(commerce, brand) == [] and stripe_api.created == 0
    paid = await pay(commerce, brand, [(snapshot, 1)], "req-outage")  # the client's retry
    assert paid.amount_minor == 2450 and stripe_api.created == 1


async def test_stripe_unreachable_is_a_503_and_stripe_refusing_a_502(
    settings_of, snapshots, brand, stripe_api
) -> None:
    nowhere = bootstrap(with_stripe(settings_of, f"http://127.0.0.1:{free_port()}",
                                    stripe_timeout_s=1.0), snapshots)
    refusing = bootstrap(settings_of("commerce", stripe_secret_key="sk_test_wrong",
                                     stripe_api_base=stripe_api.url), snapshots)
    snapshot = snapshots.add(brand)
    async with running(nowhere):
        await set_price(nowhere, brand, PRODUCT, "EUR", 2450)
        with pytest.raises(Unavailable) as unreachable:
            await pay(nowhere, brand, [(snapshot, 1)])
        assert unreachable.value.retry_after_s == 5
    async with running(refusing):
        with pytest.raises(AtelierError) as refused:
            await pay(refusing, brand, [(snapshot, 1)])
        assert refused.value.status == 502
        assert await orders_of(refusing, brand) == []


async def test_without_a_stripe_key_payments_are_not_configured(settings_of, snapshots, brand
                                                                ) -> None:
    runtime = bootstrap(settings_of("commerce"), snapshots)
    async with running(runtime):
        with pytest.raises(Unavailable) as refused:
            await pay(runtime, brand, [(snapshots.add(brand), 1)])
    assert [e.code for e in refused.value.errors] == ["payments_not_configured"]


async def test_unknown_foreign_and_unpriced_snapshots_are_refused(commerce, snapshots, brand
                                                                  ) -> None:
    await set_price(commerce, brand, PRODUCT, "EUR", 0)
    with pytest.raises(NotFound):
        await pay(commerce, brand, [(new_id(), 1)])
    with pytest.raises(NotFound):  # another brand's: as unknown
        await pay(commerce, brand, [(snapshots.add("brand-other"), 1)])
    with pytest.raises(Invalid) as unpriced:
        await pay(commerce, brand, [(snapshots.add(brand, MUG), 1)])
    assert [e.code for e in unpriced.value.errors] == ["price_missing"]
    with pytest.raises(Invalid) as free:
        await pay(commerce, brand, [(snapshots.add(brand), 1)])
    assert [e.code for e in free.value.errors] == ["nothing_to_pay"]
    assert await orders_of(commerce, brand) == []


# --- Stripe's events ---------------------------------------------------------------------------
async def paid_order(commerce: Runtime, snapshots: FakeSnapshots, brand: str
                     ) -> tuple[PaymentIntentView, str]:
    await set_price(commerce, brand, PRODUCT, "KWD", 12_250, {"name": 1_500})
    snapshot = snapshots.add(brand, filled={"name"})
    return await pay(commerce, brand, [(snapshot, 2)]), snapshot


async def test_succeeded_marks_the_order_paid_and_sends_its_items_to_production(
    commerce, client_bus, snapshots, brand, stripe_api, database_url
) -> None:
    intent, snapshot = await paid_order(commerce, snapshots, brand)
    succeeded = stripe_api.succeed(intent.payment_intent_id)
    await publish(client_bus, stripe_delivery(brand, succeeded))
    await publish(client_bus, stripe_delivery(brand, stripe_api.event(  # Stripe sent it again
        "payment_intent.succeeded", succeeded["data"]["object"])))
    [event] = await eventually(lambda: paid_events(database_url, brand))
    assert [(i["snapshot_id"], i["quantity"]) for i in event["data"]["items"]] == [(snapshot, 2)]
    await asyncio.sleep(0.5)
    [order] = await orders_of(commerce, brand)
    assert order.status == "in_production" and order.items[0].status == "queued"
    assert [e.event for e in order.timeline] == ["payment_intent_created", "paid",
                                                 "in_production"]
    assert snapshots.locked == [(brand, snapshot, f"order:{order.id}")]
    assert len(await paid_events(database_url, brand)) == 1


async def test_an_amount_other_than_the_orders_holds_it_with_the_reason(
    commerce, client_bus, snapshots, brand, stripe_api, database_url
) -> None:
    intent, _ = await paid_order(commerce, snapshots, brand)
    short = stripe_api.succeed(intent.payment_intent_id, amount=intent.amount_minor - 1)
    await publish(client_bus, stripe_delivery(brand, short))
    [order] = await eventually(lambda: _with_event(commerce, brand, "payment_mismatch"))
    assert order.status == "paid" and order.items[0].status == "held"
    assert "Stripe received 27499 KWD, the order is 27500 KWD" in order.items[0].hold_reason
    assert await paid_events(database_url, brand) == [] and snapshots.locked == []


async def _with_event(runtime: Runtime, brand: str, event: str) -> list:
    orders = await orders_of(runtime, brand)
    return orders if orders and event in [e.event for e in orders[0].timeline] else []


async def test_a_failed_payment_is_on_the_timeline_and_the_order_stays_pending(
    commerce, client_bus, snapshots, brand, stripe_api
) -> None:
    intent, _ = await paid_order(commerce, snapshots, brand)
    declined = stripe_api.decline(intent.payment_intent_id, "Your card has insufficient funds.")
    await publish(client_bus, stripe_delivery(brand, declined))
    [order] = await eventually(lambda: _with_event(commerce, brand, "payment_failed"))
    assert order.status == "pending" and order.items[0].status == "pending"
    assert "insufficient funds" in (order.timeline[-1].detail or "")


async def test_a_refunded_charge_without_metadata_refunds_the_order_of_its_intent(
    commerce, client_bus, snapshots, brand, stripe_api
) -> None:
    intent, _ = await paid_order(commerce, snapshots, brand)
    await publish(client_bus, stripe_delivery(brand, stripe_api.succeed(intent.payment_intent_id)))
    await eventually(lambda: _with_event(commerce, brand, "in_production"))
    partly = stripe_api.refund(intent.payment_intent_id, amount=1000)
    assert partly["data"]["object"]["metadata"] == {}
    await publish(client_bus, stripe_delivery(brand, partly))
    [order] = await eventually(lambda: _with_event(commerce, brand, "partially_refunded"))
    assert order.status == "in_production"
    await publish(client_bus, stripe_delivery(brand, stripe_api.refund(intent.payment_intent_id)))
    [order] = await eventually(lambda: _with_event(commerce, brand, "refunded"))
    assert order.status == "refunded"


async def test_succeeded_before_its_order_is_committed_is_applied_once_it_is(
    settings_of, client_bus, snapshots, brand, stripe_api, database_url
) -> None:
    """The event overtakes the order: the consumer finds no order, the bus brings the event
    back with growing delays, and it is applied once the order's transaction commits."""
    commerce = bootstrap(with_stripe(settings_of, stripe_api.url, max_deliver=12), snapshots)
    async with running(commerce):
        await _early_event(commerce, client_bus, snapshots, brand, stripe_api, database_url)


async def _early_event(commerce: Runtime, client_bus: Any, snapshots: FakeSnapshots, brand: str,
                       stripe_api: FakeStripe, database_url: str) -> None:
    await set_price(commerce, brand, PRODUCT, "EUR", 2450)
    snapshot = snapshots.add(brand)
    request = CreatePaymentIntent(items=[PaymentItem(snapshot_id=snapshot, quantity=1)])
    async with commerce.uow(brand) as uow:
        intent = await handlers.create_payment_intent(
            uow, snapshots, commerce_payments(commerce), brand, request, "req-early")
        await publish(client_bus, stripe_delivery(
            brand, stripe_api.succeed(intent.payment_intent_id)))
        await asyncio.sleep(1.0)  # delivered, found no order, waits to come back
        assert await orders_of(commerce, brand) == []
        await uow.commit()
    [order] = await eventually(lambda: _with_event(commerce, brand, "in_production"))
    assert order.id == intent.order_id
    assert len(await paid_events(database_url, brand)) == 1
