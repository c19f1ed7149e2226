"""The render service on the real Postgres and NATS: snapshot events in, mockups and events out."""

import hashlib
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from nats.js.api import RawStreamMsg
from PIL import Image

from atelier.contracts import Envelope
from atelier.contracts.catalog import (
    GET_RENDER,
    RENDER_COMPLETED,
    RENDER_FAILED,
    RENDER_MOCKUP,
    SNAPSHOT_CREATED,
    Message,
    dlq_subject,
)
from atelier.contracts.render import (
    GetRender,
    RenderCompleted,
    RenderFailed,
    RenderJob,
    RenderStatus,
)
from atelier.contracts.snapshot import SnapshotCreated
from atelier.contracts.spec import DesignSpecV1, FontRef
from atelier.kit import dlq
from atelier.kit.broker import Bus, header_value
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import NotFound
from atelier.kit.housekeeping import Housekeeping
from atelier.kit.runtime import Runtime
from atelier.kit.testing.plugin import eventually, running, unique
from atelier.render import domain
from atelier.render.bootstrap import bootstrap
from atelier.typeset.fonts import shipped_font
from atelier.typeset.testing import component_cycle_font, self_referencing_font

from .conftest import StoreDown, a_spec

# these tests follow a snapshot's mockup alone (test_jobs3d.py follows all its renders)
MOCKUP_ONLY = {"snapshot_kinds": ["mockup"]}


def hash_of(spec: DesignSpecV1) -> str:
    # stands in for the spec service's canonical hash: render only needs a stable SHA-256
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


def mockup_key(spec_hash: str) -> str:
    """Where the mockup of a version 1 spec's one view is stored."""
    return domain.object_key(spec_hash, "mockup", "front.jpg")


def snapshot_event(brand: str, spec: DesignSpecV1) -> Envelope[SnapshotCreated]:
    data = SnapshotCreated(snapshot_id=unique("snap-"), spec_hash=hash_of(spec), spec=spec)
    return Envelope[SnapshotCreated](
        type=SNAPSHOT_CREATED.type, producer="snapshot", brand_id=brand, data=data
    )


async def publish(bus: Bus, subject: str, envelope: Envelope, msg_id: str | None = None) -> None:
    """``msg_id`` other than the envelope id plays a redelivery after JetStream's dedup window."""
    await bus.publish_raw(
        subject, envelope.model_dump_json().encode(), {"Nats-Msg-Id": msg_id or envelope.id}
    )


async def stream_messages(bus: Bus, subject: str) -> list[RawStreamMsg]:
    """Every message stored on ``subject`` in the test namespace's stream."""
    js = bus.broker.connection.jetstream()
    stream = bus.stream(subject)
    state = (await js.stream_info(stream)).state
    if not state.messages:
        return []
    found = [await js.get_msg(stream, seq) for seq in range(state.first_seq, state.last_seq + 1)]
    return [m for m in found if m.subject == bus.subject(subject)]


async def consumer_done(bus: Bus, subject: str, durable: str, handled: int) -> bool:
    """True once ``durable`` acknowledged ``handled`` messages and has none left in flight."""
    js = bus.broker.connection.jetstream()
    info = await js.consumer_info(bus.stream(subject), durable)
    idle = not info.num_pending and not info.num_ack_pending
    return info.ack_floor.stream_seq >= handled and idle


@pytest.fixture
async def db(settings_of) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(settings_of("render", **MOCKUP_ONLY).database_url))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def render(settings_of) -> AsyncIterator[Runtime]:
    async with running(bootstrap(settings_of("render", **MOCKUP_ONLY))) as runtime:
        yield runtime


async def result(db: asyncpg.Connection, brand: str, spec_hash: str) -> asyncpg.Record | None:
    return await db.fetchrow(
        "SELECT * FROM render.render_results WHERE brand_id=$1 AND spec_hash=$2 AND kind='mockup' "
        "AND variant='front.jpg'",
        brand, spec_hash,
    )


async def settled(db: asyncpg.Connection, brand: str, spec_hash: str, status: str) -> bool:
    row = await result(db, brand, spec_hash)
    return row is not None and row["status"] == status


async def outbox(db: asyncpg.Connection, brand: str, message: Message) -> list[Envelope]:
    """What the service emitted for ``brand`` on ``message``'s subject, in order."""
    rows = await db.fetch(
        "SELECT payload FROM render.outbox WHERE subject=$1 AND convert_from(payload, 'UTF8') "
        "LIKE $2 ORDER BY seq", message.subject, f"%{brand}%",
    )
    model = Envelope[message.model]  # type: ignore[name-defined]
    return [model.model_validate_json(r["payload"]) for r in rows]


async def emitted(db: asyncpg.Connection, brand: str, message: Message, count: int) -> bool:
    return len(await outbox(db, brand, message)) >= count


async def all_published(db: asyncpg.Connection, brand: str) -> bool:
    return not await db.fetchval(
        "SELECT count(*) FROM render.outbox WHERE published_at IS NULL "
        "AND convert_from(payload, 'UTF8') LIKE $1", f"%{brand}%",
    )


async def test_a_snapshot_gets_a_stored_preview(render, client_bus, db) -> None:
    brand = unique("brand-")
    event = snapshot_event(brand, a_spec())
    spec_hash = event.data.spec_hash
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)

    await eventually(lambda: settled(db, brand, spec_hash, "ready"))
    row = await result(db, brand, spec_hash)
    assert row is not None
    key = mockup_key(spec_hash)
    assert (row["object_key"], row["content_type"]) == (key, "image/jpeg")
    assert (row["width_px"], row["height_px"]) == (600, 125)
    assert row["rendered_at"] is not None
    assert render.store is not None
    image = Image.open(io.BytesIO(await render.store.get(key)))
    assert (image.format, image.size) == ("JPEG", (600, 125))

    state = await client_bus.call(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=brand)
    assert (state.status, [a.object_key for a in state.assets]) == (RenderStatus.READY, [key])
    with pytest.raises(NotFound):  # another brand never sees this brand's render
        await client_bus.call(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=unique())

    await eventually(lambda: all_published(db, brand))
    [message] = await stream_messages(client_bus, RENDER_COMPLETED.subject)
    completed = Envelope[RenderCompleted].model_validate_json(message.data)
    assert completed.brand_id == brand and completed.correlation_id == event.correlation_id
    assert completed.data == RenderCompleted(
        spec_hash=spec_hash, kind="mockup", view="front", object_key=key,
        content_type="image/jpeg", width_px=600, height_px=125,
        snapshot_id=event.data.snapshot_id,
    )


async def test_the_same_snapshot_event_twice_renders_once(render, client_bus, db) -> None:
    brand = unique("brand-")
    event = snapshot_event(brand, a_spec())
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)
    await eventually(lambda: settled(db, brand, event.data.spec_hash, "ready"))
    # once ready, only the inbox tells a redelivery from a new snapshot of the same design
    await publish(client_bus, SNAPSHOT_CREATED.subject, event, msg_id=f"{event.id}-late")

    await eventually(lambda: consumer_done(
        client_bus, SNAPSHOT_CREATED.subject, "render-snapshot-created", handled=2))
    assert len(await outbox(db, brand, RENDER_MOCKUP)) == 1
    assert len(await outbox(db, brand, RENDER_COMPLETED)) == 1


async def test_the_same_design_again_is_a_cache_hit(render, client_bus, db) -> None:
    brand = unique("brand-")
    first, second = snapshot_event(brand, a_spec()), snapshot_event(brand, a_spec())
    await publish(client_bus, SNAPSHOT_CREATED.subject, first)
    await eventually(lambda: settled(db, brand, first.data.spec_hash, "ready"))
    await publish(client_bus, SNAPSHOT_CREATED.subject, second)

    await eventually(lambda: emitted(db, brand, RENDER_COMPLETED, 2))
    snapshots = [e.data.snapshot_id for e in await outbox(db, brand, RENDER_COMPLETED)]
    assert snapshots == [first.data.snapshot_id, second.data.snapshot_id]
    assert len(await outbox(db, brand, RENDER_MOCKUP)) == 1
    await eventually(lambda: all_published(db, brand))
    assert len(await stream_messages(client_bus, RENDER_COMPLETED.subject)) == 2


async def test_a_redelivered_job_of_a_ready_mockup_does_nothing(render, client_bus, db) -> None:
    brand = unique("brand-")
    event = snapshot_event(brand, a_spec())
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)
    await eventually(lambda: settled(db, brand, event.data.spec_hash, "ready"))

    [job] = await outbox(db, brand, RENDER_MOCKUP)
    await publish(client_bus, RENDER_MOCKUP.subject, job, msg_id=f"{job.id}-late")
    await eventually(lambda: consumer_done(
        client_bus, RENDER_MOCKUP.subject, "render-mockup", handled=2))
    assert len(await outbox(db, brand, RENDER_COMPLETED)) == 1


async def test_a_brand_font_from_the_store_is_drawn(render, client_bus, db) -> None:
    brand = unique("brand-")
    serif = shipped_font("dejavu-serif").path.read_bytes()
    sha256 = hashlib.sha256(serif).hexdigest()
    assert render.store is not None
    await render.store.put(f"fonts/{sha256}", serif, "font/ttf")  # as the gateway stores uploads
    event = snapshot_event(brand, a_spec(font=FontRef(id=unique("font-"), sha256=sha256)))
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)

    await eventually(lambda: settled(db, brand, event.data.spec_hash, "ready"))
    jpeg = await render.store.get(mockup_key(event.data.spec_hash))
    assert Image.open(io.BytesIO(jpeg)).getextrema() != ((255, 255),) * 3  # the name is inked


UNDRAWABLE = [
    pytest.param(FontRef(id="no-such-font", sha256="1" * 64),
                 "font 'no-such-font' is neither a shipped font nor in the object store",
                 id="font-found-nowhere"),
    pytest.param(FontRef(id="dejavu-sans", sha256="0" * 64),
                 "the platform's font changed under this design", id="shipped-font-changed"),
]


@pytest.mark.parametrize(("font", "reason"), UNDRAWABLE)
async def test_an_undrawable_font_fails_and_is_dead_lettered(
    render, client_bus, db, font: FontRef, reason: str
) -> None:
    brand = unique("brand-")
    event = snapshot_event(brand, a_spec(font=font))
    spec_hash = event.data.spec_hash
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)

    await eventually(lambda: settled(db, brand, spec_hash, "failed"))
    row = await result(db, brand, spec_hash)
    assert row is not None and reason in row["reason"]
    [failed] = await outbox(db, brand, RENDER_FAILED)
    assert failed.data == RenderFailed(
        spec_hash=spec_hash, kind="mockup", view="front", reason=row["reason"],
        snapshot_id=event.data.snapshot_id,
    )
    state = await client_bus.call(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=brand)
    assert (state.status, state.assets[0].reason) == (RenderStatus.FAILED, row["reason"])

    [parked] = await eventually(lambda: stream_messages(client_bus, dlq_subject("render")))
    assert parked.headers is not None
    assert reason in parked.headers["Atelier-Dlq-Reason"]
    assert parked.headers["Atelier-Dlq-Consumer"] == "render-mockup"
    assert Envelope[RenderJob].model_validate_json(parked.data).data.spec_hash == spec_hash


@pytest.mark.parametrize("hostile", [self_referencing_font, component_cycle_font])
async def test_a_stored_font_whose_glyphs_recurse_fails_at_once(
    render, client_bus, db, hostile
) -> None:
    """A font stored before uploads were checked for component cycles (or past the check): its
    preview fails for good on its first delivery, and is dead-lettered with the reason."""
    brand, data = unique("brand-"), hostile()
    sha256 = hashlib.sha256(data).hexdigest()
    assert render.store is not None
    await render.store.put(f"fonts/{sha256}", data, "font/ttf")
    event = snapshot_event(brand, a_spec(text="ABC", font=FontRef(id=unique("font-"),
                                                                  sha256=sha256)))
    spec_hash = event.data.spec_hash
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)

    await eventually(lambda: settled(db, brand, spec_hash, "failed"))
    row = await result(db, brand, spec_hash)
    assert row is not None and not row["retryable"]
    assert "poison message" in row["reason"] and "is built from itself" in row["reason"]
    state = await client_bus.call(GET_RENDER, GetRender(spec_hash=spec_hash), brand_id=brand)
    assert (state.status, state.assets[0].reason) == (RenderStatus.FAILED, row["reason"])
    [parked] = await eventually(lambda: stream_messages(client_bus, dlq_subject("render")))
    assert parked.headers is not None
    assert parked.headers["Atelier-Dlq-Reason"] == header_value(row["reason"])
    js = client_bus.broker.connection.jetstream()
    info = await js.consumer_info(client_bus.stream(RENDER_MOCKUP.subject), "render-mockup")
    assert (info.delivered.stream_seq, info.num_redelivered) == (1, 0)  # tried once, not retried


async def gave_up_on(settings_of, client_bus, db, brand: str, event, store: StoreDown) -> None:
    """Run render against the unreachable store until it gives up on ``event``'s preview."""
    settings = settings_of("render", max_deliver=2, retry_base_delay_s=0.05, **MOCKUP_ONLY)
    async with running(bootstrap(settings, store)):
        await publish(client_bus, SNAPSHOT_CREATED.subject, event)
        await eventually(lambda: settled(db, brand, event.data.spec_hash, "failed"))
        await eventually(lambda: stream_messages(client_bus, dlq_subject("render")))


async def test_a_preview_given_up_on_transient_faults_fails_and_the_next_request_retries(
    settings_of, client_bus, db
) -> None:
    brand, store = unique("brand-"), StoreDown()
    first = snapshot_event(brand, a_spec())
    spec_hash = first.data.spec_hash
    await gave_up_on(settings_of, client_bus, db, brand, first, store)

    row = await result(db, brand, spec_hash)
    assert row is not None and row["retryable"]
    assert "failed 2 times" in row["reason"] and "object store unreachable" in row["reason"]
    [failed] = await outbox(db, brand, RENDER_FAILED)  # the widget stops waiting
    assert failed.data == RenderFailed(spec_hash=spec_hash, kind="mockup", view="front",
                                       reason=row["reason"], snapshot_id=first.data.snapshot_id)

    store.up = True  # the store is back; the same design is asked for again
    second = snapshot_event(brand, a_spec())
    async with running(bootstrap(settings_of("render", **MOCKUP_ONLY), store)):
        await publish(client_bus, SNAPSHOT_CREATED.subject, second)
        await eventually(lambda: settled(db, brand, spec_hash, "ready"))
    row = await result(db, brand, spec_hash)
    assert row is not None and not row["retryable"] and row["reason"] is None
    [completed] = await outbox(db, brand, RENDER_COMPLETED)
    assert completed.data.snapshot_id == second.data.snapshot_id
    assert len(await outbox(db, brand, RENDER_MOCKUP)) == 2
    assert await store.exists(mockup_key(spec_hash))


async def test_an_undrawable_design_is_not_retried_by_the_next_request(
    render, client_bus, db
) -> None:
    brand = unique("brand-")
    missing = FontRef(id="brand-font-that-is-not-there", sha256="0" * 64)
    first, second = (snapshot_event(brand, a_spec(font=missing)) for _ in range(2))
    await publish(client_bus, SNAPSHOT_CREATED.subject, first)
    await eventually(lambda: settled(db, brand, first.data.spec_hash, "failed"))
    await publish(client_bus, SNAPSHOT_CREATED.subject, second)
    await eventually(lambda: emitted(db, brand, RENDER_FAILED, 2))  # the failure stands
    assert len(await outbox(db, brand, RENDER_MOCKUP)) == 1
    assert not (await result(db, brand, first.data.spec_hash))["retryable"]  # type: ignore[index]


async def test_a_replayed_dead_letter_renders_a_preview_given_up_on(
    settings_of, client_bus, db
) -> None:
    brand, store = unique("brand-"), StoreDown()
    event = snapshot_event(brand, a_spec())
    await gave_up_on(settings_of, client_bus, db, brand, event, store)

    store.up = True
    async with running(bootstrap(settings_of("render", **MOCKUP_ONLY), store)) as runtime:
        js = runtime.bus.broker.connection.jetstream()
        [replayed] = await dlq.replay(js, "render", runtime.bus.namespace)
        assert replayed.consumer == "render-mockup"
        await eventually(lambda: settled(db, brand, event.data.spec_hash, "ready"))
    [completed] = await outbox(db, brand, RENDER_COMPLETED)
    assert completed.data.snapshot_id == event.data.snapshot_id


async def test_replicas_share_the_mockup_queue(settings_of, client_bus, db) -> None:
    brand = unique("brand-")
    events = [snapshot_event(brand, a_spec(text=f"Name {i}")) for i in range(6)]
    settings = settings_of("render", **MOCKUP_ONLY)
    async with running(bootstrap(settings)), running(bootstrap(settings)):
        for event in events:
            await publish(client_bus, SNAPSHOT_CREATED.subject, event)
        for event in events:
            await eventually(lambda e=event: settled(db, brand, e.data.spec_hash, "ready"))
    assert len(await outbox(db, brand, RENDER_COMPLETED)) == len(events)


async def test_a_stored_mockup_no_render_names_is_swept_once_past_the_grace_period(
    render, client_bus, db
) -> None:
    """A preview stored whose job then failed for good (its row never became ready)."""
    brand = unique("brand-")
    event = snapshot_event(brand, a_spec())
    await publish(client_bus, SNAPSHOT_CREATED.subject, event)
    await eventually(lambda: settled(db, brand, event.data.spec_hash, "ready"))
    assert render.store is not None
    orphan = mockup_key("f" * 64)
    await render.store.put(orphan, b"png", "image/png")

    housekeeping = Housekeeping(render.db, render.metrics, 3600,
                                clock=lambda: datetime.now(UTC) + timedelta(hours=2))
    for sweep in render.housekeeping.sweeps:
        housekeeping.add_sweep(sweep)
    assert await housekeeping.sweep_all() == {"renders/": 1}
    assert [o.key for o in await render.store.list_objects("renders/")] == [
        mockup_key(event.data.spec_hash)
    ]
