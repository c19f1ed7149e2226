"""The widget's analytics on the real Postgres and NATS: batches from the gateway's event stored
per brand, and the funnel counted from them."""

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from pydantic import ValidationError

from atelier.contracts import Envelope
from atelier.contracts.analytics import (
    FunnelStep,
    GetFunnel,
    WidgetEvent,
    WidgetEventName,
    WidgetEventsReceived,
)
from atelier.contracts.catalog import FUNNEL, WIDGET_EVENTS_RECEIVED
from atelier.kit.db import asyncpg_dsn
from atelier.kit.runtime import Runtime
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.personalization import domain
from atelier.personalization.bootstrap import bootstrap

NOW = datetime.now(UTC)
L, RQ, RD, S, C, F = ("widget_loaded", "preview_requested", "preview_ready",
                      "snapshot_created", "add_to_cart_clicked", "validation_failed")


def event(name: str, product_id: str, session: str, **props: Any) -> WidgetEvent:
    return WidgetEvent(name=WidgetEventName(name), product_id=product_id, session_id=session,
                       at=NOW, props=props)


async def deliver(client_bus, brand: str, events: list[WidgetEvent],  # type: ignore[no-untyped-def]
                  received_at: datetime = NOW) -> None:
    """A batch as the gateway's outbox publishes it."""
    envelope = Envelope[WidgetEventsReceived](
        type=WIDGET_EVENTS_RECEIVED.type, producer="gateway", brand_id=brand,
        data=WidgetEventsReceived(events=events, received_at=received_at))
    await client_bus.publish_raw(WIDGET_EVENTS_RECEIVED.subject,
                                 envelope.model_dump_json().encode(), {"Nats-Msg-Id": envelope.id})


async def stored(settings_of, brand: str) -> list[asyncpg.Record]:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("personalization").database_url))
    try:
        return await conn.fetch(
            "SELECT product_id, session_id, name, props::text AS props, occurred_at, received_at "
            "FROM personalization.widget_events WHERE brand_id=$1 ORDER BY id", brand)
    finally:
        await conn.close()


async def funnel(client_bus, brand: str, **query: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    window = {"since": NOW - timedelta(hours=1), "until": NOW + timedelta(hours=1), **query}
    answer = await client_bus.call(FUNNEL, GetFunnel(**window), brand_id=brand)
    return answer.model_dump(mode="json")


async def test_a_batch_is_stored_for_its_brand_once_however_often_it_comes(
    service: Runtime, client_bus, create_product, brand, settings_of
) -> None:
    product = (await create_product(brand)).id
    await deliver(client_bus, brand, [event(L, product, "s1"),
                                      event(F, product, "s1", code="too_long", zone="name",
                                            position=21)])
    rows = await eventually(lambda: _at_least(settings_of, brand, 2))
    assert [(r["product_id"], r["session_id"], r["name"]) for r in rows] == [
        (product, "s1", L), (product, "s1", F)]
    assert rows[1]["props"] == '{"code": "too_long", "zone": "name", "position": 21}'
    assert rows[0]["occurred_at"] == NOW and rows[0]["received_at"] == NOW

    # the same message again (JetStream redelivering it, a dlq replay): the inbox has it
    envelope = Envelope[WidgetEventsReceived](
        type=WIDGET_EVENTS_RECEIVED.type, producer="gateway", brand_id=brand,
        data=WidgetEventsReceived(events=[event(C, product, "s2")], received_at=NOW))
    for msg_id in (envelope.id, f"{envelope.id}-again"):
        await client_bus.publish_raw(WIDGET_EVENTS_RECEIVED.subject,
                                     envelope.model_dump_json().encode(), {"Nats-Msg-Id": msg_id})
    rows = await eventually(lambda: _at_least(settings_of, brand, 3))
    await deliver(client_bus, brand, [event(L, product, "s3")])  # a later batch, as a marker
    rows = await eventually(lambda: _at_least(settings_of, brand, 4))
    assert [r["session_id"] for r in rows] == ["s1", "s1", "s2", "s3"]


async def _at_least(settings_of, brand: str, n: int) -> list[asyncpg.Record] | None:  # type: ignore[no-untyped-def]
    rows = await stored(settings_of, brand)
    return rows if len(rows) >= n else None


async def test_events_of_a_product_that_is_not_the_brands_are_dropped(
    service: Runtime, client_bus, create_product, brand, settings_of
) -> None:
    mine = (await create_product(brand)).id
    theirs = (await create_product(unique("other-"))).id
    await deliver(client_bus, brand, [event(L, theirs, "s1"), event(L, "made-up", "s1"),
                                      event(L, mine, "s1")])
    rows = await eventually(lambda: _at_least(settings_of, brand, 1))
    await deliver(client_bus, brand, [event(L, "made-up", "s2")])
    await deliver(client_bus, brand, [event(RQ, mine, "s1")])  # after the two batches above
    rows = await eventually(lambda: _at_least(settings_of, brand, 2))
    assert [(r["product_id"], r["name"]) for r in rows] == [(mine, L), (mine, RQ)]


async def test_the_funnel_counts_distinct_sessions_through_every_earlier_step(
    service: Runtime, client_bus, create_product, brand, settings_of
) -> None:
    product = (await create_product(brand)).id
    other = (await create_product(brand, name="Mug")).id
    steps = {
        "a": [L, RQ, RD, S, C],  # all the way, with repeats below
        "b": [L, RQ, RD, S],
        "c": [L, RQ, RD],
        "d": [L, RQ],
        "e": [L],
        "f": [L, S, C],  # skipped the preview: counted at its steps, not through the funnel
        "g": [RQ],  # a session whose load event was lost
    }
    events = [event(name, product, session) for session, names in steps.items()
              for name in names]
    events += [event(L, product, "a"), event(RQ, product, "a"), event(RQ, product, "a")]
    events += [event(F, product, "a", code="too_long"), event(F, product, "a", code="too_long"),
               event(F, product, "b", code="too_long"), event(F, product, "c", code="blocked_word"),
               event(F, product, "d")]
    await deliver(client_bus, brand, events[:15])
    await deliver(client_bus, brand, events[15:])
    await deliver(client_bus, brand, [event(L, other, "z"), event(C, other, "z")])
    await eventually(lambda: _at_least(settings_of, brand, len(events) + 2))

    answer = await funnel(client_bus, brand, product_id=product)
    assert [(s["name"], s["sessions"], s["funnel_sessions"], s["conversion"])
            for s in answer["steps"]] == [
        (L, 6, 6, None), (RQ, 5, 4, 0.6667), (RD, 3, 3, 0.75), (S, 3, 2, 0.6667),
        (C, 2, 1, 0.5)]
    assert answer["validation_failed"] == [
        {"code": "too_long", "events": 3, "sessions": 2},
        {"code": "blocked_word", "events": 1, "sessions": 1},
        {"code": "unknown", "events": 1, "sessions": 1}]
    assert answer["overall_conversion"] == round(1 / 6, 4)
    assert answer["product_id"] == product

    everything = await funnel(client_bus, brand)  # every product of the brand
    assert [s["sessions"] for s in everything["steps"]] == [7, 5, 3, 3, 3]
    # another brand sees none of it, even naming the product
    nothing = await funnel(client_bus, unique("brand-"), product_id=product)
    assert [s["sessions"] for s in nothing["steps"]] == [0] * 5
    assert nothing["validation_failed"] == [] and nothing["overall_conversion"] is None


async def test_the_funnel_window_is_on_the_servers_clock(
    service: Runtime, client_bus, create_product, brand, settings_of
) -> None:
    product = (await create_product(brand)).id
    await deliver(client_bus, brand, [event(L, product, "old")],
                  received_at=NOW - timedelta(days=2))
    await deliver(client_bus, brand, [event(L, product, "new")])
    await eventually(lambda: _at_least(settings_of, brand, 2))
    recent = await funnel(client_bus, brand, since=NOW - timedelta(days=1))
    both = await funnel(client_bus, brand, since=NOW - timedelta(days=3))
    earlier = await funnel(client_bus, brand, since=NOW - timedelta(days=3),
                           until=NOW - timedelta(days=1))
    assert [f["steps"][0]["sessions"] for f in (recent, both, earlier)] == [1, 2, 1]
    with pytest.raises(ValidationError):  # an empty window is refused by the contract itself
        GetFunnel(since=NOW, until=NOW)


async def test_events_past_their_retention_are_purged(
    settings_of, client_bus, create_product, brand
) -> None:
    settings = settings_of("personalization", run_housekeeping=False,
                           analytics_retention_days=30)
    async with running(bootstrap(settings)) as runtime:
        product = (await create_product(brand)).id
        await deliver(client_bus, brand, [event(L, product, "old")],
                      received_at=NOW - timedelta(days=31))
        await deliver(client_bus, brand, [event(L, product, "kept")],
                      received_at=NOW - timedelta(days=29))
        await eventually(lambda: _at_least(settings_of, brand, 2))
        purged = await runtime.housekeeping.purge_all()
    assert purged["widget_events"] >= 1
    assert [r["session_id"] for r in await stored(settings_of, brand)] == ["kept"]


def test_funnel_steps_from_the_sessions_by_the_steps_they_sent() -> None:
    # bits: loaded 1, requested 2, ready 4, snapshot 8, cart 16
    steps = domain.funnel_steps({0b11111: 2, 0b00001: 3, 0b11001: 1, 0b00010: 4, 0: 7})
    assert steps == [
        FunnelStep(name=WidgetEventName.WIDGET_LOADED, sessions=6, funnel_sessions=6,
                   conversion=None),
        FunnelStep(name=WidgetEventName.PREVIEW_REQUESTED, sessions=6, funnel_sessions=2,
                   conversion=0.3333),
        FunnelStep(name=WidgetEventName.PREVIEW_READY, sessions=2, funnel_sessions=2,
                   conversion=1.0),
        FunnelStep(name=WidgetEventName.SNAPSHOT_CREATED, sessions=3, funnel_sessions=2,
                   conversion=1.0),
        FunnelStep(name=WidgetEventName.ADD_TO_CART_CLICKED, sessions=3, funnel_sessions=2,
                   conversion=1.0),
    ]
    empty = domain.funnel_steps({})
    assert [(s.sessions, s.conversion) for s in empty] == [(0, None)] * 5
