"""Every consumer and every rpc method of every service, fed generated invalid messages on the
real NATS and Postgres (``atelier.kit.testing.fuzz``: envelopes wrong as a whole, and valid data
with one place missing or broken): a consumer dead-letters each message its model refuses at
once, with a reason, retries none, and handles the valid message that follows; an rpc method
answers each with a refusal (4xx), never a server error or a timeout.

The services are found as ``make schemas`` finds their consumers: from each one's composition
root, so a consumer or method added later is fuzzed without touching this test."""

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from nats.aio.client import Client
from pydantic import BaseModel

from atelier.contracts import RpcReply, new_id
from atelier.contracts.analytics import (
    WidgetEvent,
    WidgetEventName,
    WidgetEventsReceived,
)
from atelier.contracts.canonical import canonicalize
from atelier.contracts.catalog import (
    BUNDLE_FAILED,
    BUNDLE_READY,
    ITEM_RELEASED,
    MANUFACTURING_EXPORT,
    MESSAGES,
    ORDER_PAID,
    ORDER_SHIPPED,
    PAYMENT_INTENT_CREATED,
    PERSONAL_DATA_ERASED,
    RENDER_COMPLETED,
    RENDER_JOBS,
    RENDER_PREVIEW,
    SERVICES,
    SNAPSHOT_CREATED,
    WEBHOOK_RECEIVED,
    WIDGET_EVENTS_RECEIVED,
    Message,
)
from atelier.contracts.commerce import (
    ItemReleased,
    ItemToProduce,
    OrderPaid,
    OrderShipped,
    PaymentIntentCreated,
    PersonalDataErased,
)
from atelier.contracts.envelope import utcnow
from atelier.contracts.ingress import WebhookReceived, WebhookSource
from atelier.contracts.manufacturing import BundleFailed, BundleReady, ExportJob, OutputProfile
from atelier.contracts.render import RenderCompleted, RenderJob, RenderKind, RenderPreview
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import Align, DesignSpecV1, FontRef, Layer, SpecZone
from atelier.kit import dlq
from atelier.kit.broker import Bus
from atelier.kit.delivery import Consumer, read
from atelier.kit.errors import Invalid
from atelier.kit.rpc import REQUEST_KEY
from atelier.kit.runtime import Runtime
from atelier.kit.settings import ServiceSettings
from atelier.kit.testing.fuzz import data_strategy, envelope, examples, fuzzed, to_json
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.kit.testing.stripe_server import fake_stripe
from atelier.typeset.fonts import shipped_font

MUTATIONS = 24  # of valid data, per message; on top of the envelopes wrong as a whole


def a_spec(text: str) -> DesignSpecV1:
    font = FontRef(id="dejavu-sans", sha256=shipped_font("dejavu-sans").sha256)
    zone = SpecZone(key="name", text=text, layer=Layer.ENGRAVE, width_mm=60, height_mm=12,
                    bleed_mm=0, safe_mm=1, font=font, size_mm=6, colour="#112233",
                    align=Align.CENTER, line_height=1.2, max_lines=1)
    return DesignSpecV1(product_id="p-1", template_version=1, zones=[zone])


def snapshot_created() -> SnapshotCreated:
    spec = a_spec(unique("Ada "))
    return SnapshotCreated(snapshot_id=new_id(), spec_hash=canonicalize(spec).hash, spec=spec)


def preview_job() -> RenderPreview:
    created = snapshot_created()
    return RenderPreview(spec_hash=created.spec_hash, spec=created.spec,
                         snapshot_id=created.snapshot_id)


def render_job(kind: RenderKind) -> Callable[[], RenderJob]:
    def job() -> RenderJob:
        created = snapshot_created()
        fmt = "png" if kind is RenderKind.ZONE else "jpeg"
        view = "name" if kind is RenderKind.ZONE else "front"
        return RenderJob(kind=kind, view=view, format=fmt, px_per_mm=10,
                         spec_hash=created.spec_hash, spec=created.spec,
                         variant=f"{view}.{fmt}", snapshot_id=created.snapshot_id)

    return job


def export_job() -> ExportJob:
    """A job of a work order manufacturing does not have: a valid message it passes over."""
    created = snapshot_created()
    return ExportJob(work_order_id=new_id(), snapshot_id=created.snapshot_id,
                     spec_hash=created.spec_hash, spec=created.spec,
                     profile=OutputProfile(name="laser", formats=("svg", "dxf")))


# a valid message of every consumed message: what a consumer must still handle after the fuzz
def webhook_received() -> WebhookReceived:
    """A delivery commerce reads and has nothing to do with (a product was edited)."""
    return WebhookReceived(delivery_id=new_id(), source=WebhookSource.SHOPIFY,
                           topic="products/update", event_id=unique("evt-"),
                           shop_domain="demo.myshopify.com", payload={"id": 1, "title": "Pen"})


def order_paid() -> OrderPaid:
    """A paid order with nothing to produce (its items were held)."""
    return OrderPaid(order_id=new_id(), order_name="#1042", items=[])


def payment_intent_created() -> PaymentIntentCreated:
    return PaymentIntentCreated(order_id=new_id(), payment_intent_id="pi_3MtwBwLkdIwHu7ix28a3tqPa")


def item_released() -> ItemReleased:
    """A released item whose snapshot manufacturing cannot find: its work order fails at once."""
    return ItemReleased(order_id=new_id(), by="ops@brand", item=ItemToProduce(
        item_id=new_id(), snapshot_id=new_id(), product_id=new_id(), quantity=1))


def bundle_ready() -> BundleReady:
    """A bundle of an export asked by hand (no order): commerce has nothing to do."""
    return BundleReady(work_order_id=new_id(), snapshot_id=new_id(), spec_hash="0" * 64,
                       object_key="bundles/b/w/x.zip", bundle_name="x.zip", sha256="0" * 64,
                       size=1)


def bundle_failed() -> BundleFailed:
    return BundleFailed(work_order_id=new_id(), snapshot_id=new_id(), reason="a font")


def widget_events() -> WidgetEventsReceived:
    """Events of a product the brand does not have: dropped, nothing stored."""
    return WidgetEventsReceived(received_at=utcnow(), events=[WidgetEvent(
        name=WidgetEventName.WIDGET_LOADED, product_id=new_id(), session_id="s-1",
        at=utcnow(), props={"lang": "fr"})])


def order_shipped() -> OrderShipped:
    """A shipped order that commerce does not know: notification has no one to tell."""
    return OrderShipped(order_id=new_id(), order_name="#1042", tracking_number="6A1")


def render_completed() -> RenderCompleted:
    """A mockup drawn: notification sends nothing (render-ready is off by default)."""
    return RenderCompleted(spec_hash="0" * 64, kind="mockup", view="front",
                           object_key=f"renders/{'0' * 64}/mockup-front.jpg",
                           content_type="image/jpeg", width_px=800, height_px=600,
                           snapshot_id=new_id())


VALID: dict[str, Callable[[], BaseModel]] = {
    ORDER_PAID.subject: order_paid,
    ITEM_RELEASED.subject: item_released,
    PAYMENT_INTENT_CREATED.subject: payment_intent_created,
    BUNDLE_READY.subject: bundle_ready,
    BUNDLE_FAILED.subject: bundle_failed,
    ORDER_SHIPPED.subject: order_shipped,
    PERSONAL_DATA_ERASED.subject: lambda: PersonalDataErased(order_ids=[new_id()]),
    RENDER_COMPLETED.subject: render_completed,
    WEBHOOK_RECEIVED.subject: webhook_received,
    SNAPSHOT_CREATED.subject: snapshot_created,
    RENDER_PREVIEW.subject: preview_job,
    **{message.subject: render_job(kind) for kind, message in RENDER_JOBS.items()},
    MANUFACTURING_EXPORT.subject: export_job,
    WIDGET_EVENTS_RECEIVED.subject: widget_events,
}


@pytest.fixture
async def services(settings_of: Callable[..., ServiceSettings]) -> AsyncIterator[list[Runtime]]:
    """Every service that consumes or answers anything, running (commerce's payments at a local
    Stripe-compatible server: a configured installation)."""
    async with AsyncExitStack() as stack:
        stripe = stack.enter_context(fake_stripe())
        configured = {"commerce": {"stripe_secret_key": stripe.secret_key,
                                   "stripe_api_base": stripe.url}}
        runtimes = []
        for service in SERVICES:
            bootstrap = importlib.import_module(f"atelier.{service}.bootstrap").bootstrap
            runtime = bootstrap(settings_of(service, run_housekeeping=False,
                                            **configured.get(service, {})))
            if runtime.bus.consumed or runtime.bus.rpc.served:
                runtimes.append(await stack.enter_async_context(running(runtime)))
        yield runtimes


def refused_by_model(message: Message, body: bytes) -> bool:
    try:
        read(message, body)
    except Invalid:
        return True
    return False


async def settled(client: Bus, consumer: Consumer, last: int) -> Any:
    """The consumer's state once it has delivered and settled everything up to ``last``."""
    info = await client.broker.connection.jetstream().consumer_info(
        client.stream(consumer.message.subject), consumer.name)
    done = info.delivered.stream_seq >= last and not info.num_ack_pending
    return info if done else None


async def test_every_consumer_dead_letters_invalid_messages_at_once_and_lives_on(
    services: list[Runtime], client_bus: Bus
) -> None:
    brand = unique("brand-")
    consumers = [(runtime, c) for runtime in services for c in runtime.bus.consumed]
    assert {c.name for _, c in consumers} >= {  # the premise: they are all found
        "spec-snapshot-created", "render-snapshot-created", "render-preview"}
    js = client_bus.broker.connection.jetstream()
    problems: list[str] = []
    for message in {c.message for _, c in consumers}:
        assert message.subject in VALID, f"add a valid {message.subject} to VALID"
        sent: dict[str, bytes] = {}
        # ids unique across subjects: the render jobs of every kind share a stream, and its
        # duplicate window
        for n, body in enumerate(fuzzed(message, VALID[message.subject]().model_dump(
                mode="json"), brand, MUTATIONS)):
            sent[f"fuzz-{message.subject}-{n}"] = body
            await client_bus.publish_raw(message.subject, body,
                                         {"Nats-Msg-Id": f"fuzz-{message.subject}-{n}"})
        valid = envelope(message, to_json(VALID[message.subject]().model_dump(mode="json")),
                         brand)
        last = (await js.publish(client_bus.subject(message.subject), valid,
                                 stream=client_bus.stream(message.subject),
                                 headers={"Nats-Msg-Id": f"valid-{message.subject}"})).seq
        for runtime, consumer in consumers:
            if consumer.message == message:
                problems += await dead_lettered_at_once(client_bus, runtime, consumer, sent,
                                                        last)
    assert problems == []


async def dead_lettered_at_once(
    client: Bus, runtime: Runtime, consumer: Consumer, sent: dict[str, bytes], last: int
) -> list[str]:
    """What went wrong with ``consumer``: messages its model refuses that were not parked with
    a reason, retries, a valid message refused or not reached."""
    info = await eventually(lambda: settled(client, consumer, last), timeout=60)
    js = client.broker.connection.jetstream()
    letters = {letter.message_id.removeprefix(f"dlq:{consumer.name}:"): letter
               for letter in await dlq.dead_letters(js, runtime.service, client.namespace)
               if letter.consumer == consumer.name}
    problems = []
    for msg_id, body in sent.items():
        letter = letters.pop(msg_id, None)
        if letter is None and refused_by_model(consumer.message, body):
            problems.append(f"{consumer.name} did not dead-letter {body[:120]!r}")
        elif letter is not None and (not letter.reason or letter.reason.startswith("failed")):
            problems.append(f"{consumer.name} parked {body[:80]!r} as {letter.reason!r}")
    if info.num_redelivered:
        problems.append(f"{consumer.name} retried {info.num_redelivered} messages")
    valid = letters.get(f"valid-{consumer.message.subject}")
    if valid is not None:
        problems.append(f"{consumer.name} parked a valid message: {valid.reason}")
    return problems


async def ask(nc: Client, client: Bus, message: Message, body: bytes) -> RpcReply[Any]:
    headers = {REQUEST_KEY: new_id()} if message.mutates else {}
    reply = await nc.request(client.subject(message.subject), body, timeout=10, headers=headers)
    return RpcReply[dict[str, Any]].model_validate_json(reply.data)


async def test_every_rpc_method_refuses_invalid_requests_with_a_4xx(
    services: list[Runtime], client_bus: Bus
) -> None:
    brand = unique("brand-")
    methods = [m for runtime in services for m in runtime.bus.rpc.served]
    assert sorted(m.subject for m in methods) == sorted(  # the premise: all of them are found
        m.subject for m in MESSAGES if m.kind == "rpc")
    nc = client_bus.broker.connection
    problems: list[str] = []
    for message in methods:
        [valid] = examples(data_strategy(message.model), 1)
        for body in fuzzed(message, valid, brand, MUTATIONS):
            try:
                reply = await ask(nc, client_bus, message, body)
            except Exception as exc:  # no answer in time
                problems.append(f"{message.subject} {body[:100]!r}: {exc!r}")
                continue
            status = reply.problem.status if reply.problem is not None else 200
            if status >= 500 or (refused_by_model(message, body) and status != 422):
                problems.append(f"{message.subject} {body[:100]!r}: {status} {reply.problem}")
    assert problems == []
