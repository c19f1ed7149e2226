"""Issue 18's analytics end to end: the widget's batches, sent as its fetch and as a beacon
would send them, go through the gateway's outbox to personalization, which stores them per
brand; the brand's admin reads the funnel. Every service its own process."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from atelier.devstack.demo import ORIGIN
from atelier.e2e.system import System
from atelier.kit.testing.plugin import eventually

pytestmark = pytest.mark.e2e

FUNNEL = "/v1/admin/analytics/funnel"


def events(product_id: str, session: str, *names: str, **props: Any) -> list[dict[str, Any]]:
    at = datetime.now(UTC).isoformat()
    return [{"name": name, "product_id": product_id, "session_id": session, "at": at,
             "props": props} for name in names]


async def test_the_widgets_events_make_the_brands_funnel(system: System) -> None:
    demo, other = await system.new_brand(), await system.new_brand()
    shopper, window_shopper = str(uuid.uuid4()), str(uuid.uuid4())
    async with system.widget(demo) as widget, httpx.AsyncClient(
            base_url=system.gateway_url, timeout=10.0) as anyone:
        sent = await widget.post("/v1/widget/events", json={"events": [
            *events(demo.product_id, shopper, "widget_loaded", "preview_requested",
                    "preview_ready", "snapshot_created"),
            *events(demo.product_id, shopper, "validation_failed", code="too_long", zone="name"),
            *events(demo.product_id, window_shopper, "widget_loaded"),
            *events(demo.frame_id, shopper, "widget_loaded"),  # another product of the brand
        ]})
        assert sent.status_code == 202, sent.text
        assert sent.headers["access-control-allow-origin"] == ORIGIN
        # the last one leaves with the page: navigator.sendBeacon, no header, a text/plain body
        beacon = await anyone.post(
            f"/v1/widget/events?key={demo.publishable_key}",
            content=json.dumps({"events": events(demo.product_id, shopper,
                                                 "add_to_cart_clicked")}),
            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN})
        assert beacon.status_code == 202, beacon.text

        admin = {"Authorization": f"Bearer {demo.secret_key}"}

        async def complete() -> dict[str, Any] | None:
            answer = await anyone.get(FUNNEL, params={"product_id": demo.product_id},
                                      headers=admin)
            assert answer.status_code == 200, answer.text
            funnel: dict[str, Any] = answer.json()
            return funnel if funnel["steps"][-1]["sessions"] == 1 else None

        funnel = await eventually(complete, timeout=30)
        assert [(s["name"], s["sessions"], s["funnel_sessions"]) for s in funnel["steps"]] == [
            ("widget_loaded", 2, 2), ("preview_requested", 1, 1), ("preview_ready", 1, 1),
            ("snapshot_created", 1, 1), ("add_to_cart_clicked", 1, 1)]
        assert [s["conversion"] for s in funnel["steps"]] == [None, 0.5, 1.0, 1.0, 1.0]
        assert funnel["overall_conversion"] == 0.5
        assert funnel["validation_failed"] == [{"code": "too_long", "events": 1, "sessions": 1}]

        # another brand's admin sees nothing of it, even naming the product
        theirs = await anyone.get(FUNNEL, params={"product_id": demo.product_id},
                                  headers={"Authorization": f"Bearer {other.secret_key}"})
        assert [s["sessions"] for s in theirs.json()["steps"]] == [0] * 5
        # nor may the storefront's key read it
        refused = await widget.get(FUNNEL)
        assert refused.status_code == 403
