"""Previews while typing and the server-sent events of a render's status, through the app with
the fake services on the bus (tests-e2e runs them against the real render service)."""

import asyncio
import threading
from collections.abc import Callable

import nats
import pytest
from litestar.testing import AsyncTestClient

from atelier.contracts import Envelope
from atelier.contracts.catalog import RENDER_COMPLETED, REQUEST_RENDER
from atelier.contracts.render import RenderCompleted, RenderedAsset, RenderState, RenderStatus
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import namespaced

from .conftest import PLATFORM_TOKEN, Brand, FakeServices

KEEPALIVE_S = 0.3


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings]) -> GatewaySettings:
    """A quiet stream gets a comment, and the state is asked again, every 0.3 s here."""
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, events_keepalive_s=KEEPALIVE_S)


async def publish(url: str, subject: str, payload: bytes) -> None:
    """As render's relay does, on a connection of its own (core NATS is what the gateway
    hears)."""
    connection = await nats.connect(url)
    try:
        await connection.publish(subject, payload)
        await connection.flush()
    finally:
        await connection.close()


def later(seconds: float, act: Callable[[], None]) -> threading.Timer:
    timer = threading.Timer(seconds, act)
    timer.start()
    return timer


def ready(spec_hash: str) -> RenderState:
    key = f"renders/{spec_hash}/mockup-front.jpg"
    return RenderState(spec_hash=spec_hash, status=RenderStatus.READY, assets=[RenderedAsset(
        kind="mockup", view="front", variant="front.jpg", status=RenderStatus.READY,
        object_key=key, content_type="image/jpeg", width_px=1024, height_px=427)])


async def read_events(client: AsyncTestClient, brand: Brand, path: str) -> list[str]:
    async with client.stream("GET", path, headers=brand.widget) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return [line async for line in response.aiter_lines() if line]


async def test_a_preview_is_validated_and_asked_of_render_once_per_design(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    first = await client.post("/v1/renders/preview", json=design, headers=brand.widget)
    again = await client.post("/v1/renders/preview", json=design, headers=brand.widget)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["status"] == "pending" and len(first.json()["id"]) == 64
    assert services.count(REQUEST_RENDER) == 2  # render answers the second from its rows
    invalid = await client.post("/v1/renders/preview", headers=brand.widget,
                                json={"product_id": product, "values": {"name": "Ada Lovelace"}})
    assert invalid.status_code == 422 and services.count(REQUEST_RENDER) == 2


async def test_the_event_stream_ends_once_render_says_the_render_settled(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    render = (await client.post("/v1/renders/preview", json=design,
                                headers=brand.widget)).json()
    spec_hash = render["id"]
    settings = client.app.state.settings

    def completed() -> None:  # render's event, after its row became ready
        services.renders[spec_hash] = ready(spec_hash)
        event = Envelope[RenderCompleted](
            type=RENDER_COMPLETED.type, producer="render", brand_id=brand.id,
            data=RenderCompleted(spec_hash=spec_hash, kind="mockup", view="front",
                                 object_key="k", content_type="image/jpeg", width_px=1,
                                 height_px=1))
        asyncio.run(publish(settings.nats_url, namespaced(
            settings.bus_namespace, RENDER_COMPLETED.subject), event.model_dump_json().encode()))

    timer = later(0.5, completed)
    try:
        lines = await read_events(client, brand, f"/v1/renders/{spec_hash}/events")
    finally:
        timer.cancel()
    events = [line for line in lines if not line.startswith(":")]  # comments: keep-alives
    assert events[0] == "event: pending" and events[2] == "event: ready"
    assert '"url":"/v1/assets/renders/' in events[3] and len(events) == 4


async def test_a_quiet_stream_is_kept_alive_and_finds_a_state_whose_event_was_missed(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    design = {"product_id": product, "values": {"name": "Bob"}}
    spec_hash = (await client.post("/v1/renders/preview", json=design,
                                   headers=brand.widget)).json()["id"]

    def settled_unheard() -> None:  # as when render's event came while NATS was away
        services.renders[spec_hash] = ready(spec_hash)

    timer = later(4 * KEEPALIVE_S, settled_unheard)
    try:
        lines = await read_events(client, brand, f"/v1/renders/{spec_hash}/events")
    finally:
        timer.cancel()
    assert ": keep-alive" in lines and "data: " not in lines  # a comment, never an empty event
    events = [line for line in lines if not line.startswith(":")]
    assert [line for line in events if line.startswith("event:")] == [
        "event: pending", "event: ready"]
