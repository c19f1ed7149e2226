"""The widget's analytics at the gateway: batches accepted with the widget's key (or, from
navigator.sendBeacon, the publishable key in the URL and a text/plain body), bounded, handed on
to the bus through the gateway's outbox for the brand; the brand's funnel asked of
personalization."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import WIDGET_EVENTS_RECEIVED
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import namespaced_stream
from atelier.kit.testing.plugin import eventually, stream_messages

from .conftest import SHOP, Brand, FakeServices


def codes(response: Any) -> list[tuple[str, str]]:
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["field"], e["code"]) for e in response.json()["errors"]]

EVENTS = "/v1/widget/events"
FUNNEL = "/v1/admin/analytics/funnel"
AT = "2026-12-07T15:04:05.123Z"


def event(name: str = "widget_loaded", **changes: Any) -> dict[str, Any]:
    return {"name": name, "product_id": "p-1", "session_id": "c5b0a7e2-3f1d-4f7a", "at": AT,
            "props": {}, **changes}


async def outbox(db: asyncpg.Connection, brand: Brand) -> list[dict[str, Any]]:
    """The batches the gateway wrote for the brand, as it will publish them."""
    rows = await db.fetch("SELECT payload FROM gateway.outbox WHERE subject=$1",
                          WIDGET_EVENTS_RECEIVED.subject)
    envelopes = [json.loads(row["payload"]) for row in rows]
    return [e for e in envelopes if e["brand_id"] == brand.id]


async def test_a_batch_is_accepted_and_published_for_the_keys_brand(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection, settings: GatewaySettings
) -> None:
    before = datetime.now(UTC)
    batch = [event(), event("validation_failed", props={"code": "too_long", "position": 21})]
    response = await client.post(EVENTS, json={"events": batch},
                                 headers={**brand.widget, "Origin": SHOP})
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 2}
    assert response.headers["access-control-allow-origin"] == SHOP

    [envelope] = await outbox(db, brand)
    assert envelope["type"] == "widget_events.received" and envelope["producer"] == "gateway"
    data = envelope["data"]
    assert [(e["name"], e["props"]) for e in data["events"]] == [
        ("widget_loaded", {}), ("validation_failed", {"code": "too_long", "position": 21})]
    assert before <= datetime.fromisoformat(data["received_at"]) <= datetime.now(UTC)

    # the relay publishes it to the gateway's event stream
    stream = namespaced_stream(settings.bus_namespace, "EVT_GATEWAY")

    async def published() -> list[dict[str, Any]]:
        return [json.loads(m.data or b"") for m in
                await stream_messages(settings.nats_url, stream)]

    [sent] = await eventually(published)
    assert sent["id"] == envelope["id"] and sent["brand_id"] == brand.id


async def test_a_beacon_sends_the_publishable_key_in_the_url_and_plain_text(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection
) -> None:
    body = json.dumps({"events": [event("add_to_cart_clicked")]})
    response = await client.post(f"{EVENTS}?key={brand.publishable}", content=body,
                                 headers={"Content-Type": "text/plain;charset=UTF-8",
                                          "Origin": SHOP})
    assert response.status_code == 202, response.text
    assert [e["data"]["events"][0]["name"] for e in await outbox(db, brand)] == [
        "add_to_cart_clicked"]
    # plain text is the beacon's route's only: elsewhere it stays a 415
    elsewhere = await client.post("/v1/personalization/validate", content=body,
                                  headers={**brand.widget, "Content-Type": "text/plain"})
    assert elsewhere.status_code == 415


async def test_a_key_in_the_url_must_be_a_publishable_one(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection
) -> None:
    body = {"events": [event()]}
    secret = await client.post(f"{EVENTS}?key={brand.secret}", json=body)
    assert secret.status_code == 403
    assert codes(secret) == [("key", "wrong_key_kind")]
    unknown = await client.post(f"{EVENTS}?key=pk_unknownkey", json=body)
    assert unknown.status_code == 401 and codes(unknown) == [("key", "invalid_api_key")]
    missing = await client.post(EVENTS, json=body)
    assert missing.status_code == 401 and codes(missing) == [("X-Atelier-Key", "missing_api_key")]
    assert "?key=" in missing.json()["errors"][0]["message"]
    # only this route reads a key from the URL
    config = await client.get(f"/v1/widget/products/p-1/config?key={brand.publishable}")
    assert config.status_code == 401
    malformed = await client.post(f"{EVENTS}?key=not-a-key", json=body, headers=brand.widget)
    assert malformed.status_code == 400
    assert await outbox(db, brand) == []


async def test_an_origin_the_brand_does_not_allow_is_refused(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection
) -> None:
    response = await client.post(f"{EVENTS}?key={brand.publishable}",
                                 json={"events": [event()]},
                                 headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 403 and codes(response) == [("Origin", "origin_not_allowed")]
    assert await outbox(db, brand) == []


@pytest.mark.parametrize(("events", "field"), [
    ([], "events"),
    ([event()] * 51, "events"),
    ([event("page_viewed")], "events.0.name"),
    ([event(session_id="s" * 65)], "events.0.session_id"),
    ([event(session_id="with space")], "events.0.session_id"),
    ([event(product_id="../p")], "events.0.product_id"),
    ([event(at="2026-12-07T15:04:05")], "events.0.at"),  # no offset
    ([event(at="yesterday")], "events.0.at"),
    ([event(props={f"k{n}": n for n in range(17)})], "events.0.props"),
    ([event(props={"code": "x" * 129})], "events.0.props.code"),
    ([event(props={"nested": {"a": 1}})], "events.0.props.nested"),
    ([event(props={"list": [1]})], "events.0.props.list"),
    ([event(props={"Bad-Key": 1})], "events.0.props.Bad-Key.[key]"),
    ([event(props={"big": 1e16})], "events.0.props.big"),
    ([event(props={"nul": "a\u0000b"})], "events.0.props.nul"),
    ([event(props={"flag": True})], "events.0.props.flag"),
    ([event(brand_id="another")], "events.0.brand_id"),
])
async def test_bad_events_are_refused_with_their_field_and_nothing_is_kept(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection, events: list[Any],
    field: str,
) -> None:
    response = await client.post(EVENTS, json={"events": events}, headers=brand.widget)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert field in fields, fields
    assert {e["code"] for e in response.json()["errors"]} == {"invalid_field"}
    assert await outbox(db, brand) == []


async def test_a_batch_too_large_or_not_json_is_refused(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection
) -> None:
    huge = await client.post(EVENTS, content=b'{"events": [' + b" " * 70_000 + b"]}",
                             headers={**brand.widget, "Content-Type": "application/json"})
    assert huge.status_code == 413
    html = await client.post(EVENTS, content=b"<p>", headers={**brand.widget,
                                                              "Content-Type": "text/html"})
    assert html.status_code == 415
    garbage = await client.post(f"{EVENTS}?key={brand.publishable}", content=b"events=1",
                                headers={"Content-Type": "text/plain"})
    assert garbage.status_code == 400 and codes(garbage) == [("body", "malformed_json")]
    assert await outbox(db, brand) == []


async def test_the_funnel_is_asked_for_the_callers_brand_and_window(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    response = await client.get(FUNNEL, headers=brand.admin)
    assert response.status_code == 200, response.text
    assert [s["name"] for s in response.json()["steps"]] == [
        "widget_loaded", "preview_requested", "preview_ready", "snapshot_created",
        "add_to_cart_clicked"]
    [asked] = services.funnels
    assert asked.product_id is None
    assert asked.until - asked.since == timedelta(days=30)
    assert abs((asked.until - datetime.now(UTC)).total_seconds()) < 60
    assert ("rpc.personalization.funnel", brand.id) in services.calls

    window = {"product_id": "p-1", "since": "2026-11-01T00:00:00+00:00",
              "until": "2026-12-01T00:00:00Z"}
    response = await client.get(FUNNEL, params=window, headers=brand.admin)
    assert response.status_code == 200
    assert (services.funnels[-1].since, services.funnels[-1].until) == (
        datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert response.json()["product_id"] == "p-1"


async def test_the_funnel_refuses_a_bad_window_and_the_widgets_key(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    backwards = await client.get(FUNNEL, params={"since": "2026-12-01T00:00:00Z",
                                                 "until": "2026-11-01T00:00:00Z"},
                                 headers=brand.admin)
    assert backwards.status_code == 422
    not_an_instant = await client.get(FUNNEL, params={"since": "2026-13-01T00:00:00Z"},
                                      headers=brand.admin)
    assert not_an_instant.status_code == 422 and codes(not_an_instant) == [
        ("since", "invalid_field")]
    for far in ({"until": "0001-01-01T00:00:00+01:00"}, {"since": "0001-01-01T00:00:00Z"},
                {"until": "9999-12-31T23:59:59-01:00"}):
        off = await client.get(FUNNEL, params=far, headers=brand.admin)
        assert off.status_code == 422, (far, off.text)
    shapeless = await client.get(FUNNEL, params={"until": "last week"}, headers=brand.admin)
    assert shapeless.status_code == 400
    widget = await client.get(FUNNEL, headers=brand.widget)
    assert widget.status_code == 403 and codes(widget) == [("X-Atelier-Key", "wrong_key_kind")]
    assert services.funnels == []
