"""Rate limits per client address and per API key: token buckets, the address a request comes
from (a client cannot choose it with X-Forwarded-For), and the 429 the widget gets."""

from collections.abc import Callable

import asyncpg
import pytest
from litestar import Request
from litestar.testing import AsyncTestClient

from atelier.contracts.catalog import VALIDATE_DESIGN, WIDGET_EVENTS_RECEIVED
from atelier.gateway.limits import TokenBuckets, client_address
from atelier.gateway.settings import GatewaySettings

from .conftest import PLATFORM_TOKEN, SHOP, Brand, FakeServices, make_brand

SHOPPER = "203.0.113.7"  # what the balancer says of the shopper; the test client is its peer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate_per_s=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one request every half second
    assert buckets.take("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 60  # a full bucket holds the burst, no more
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_a_rate_of_zero_is_no_limit_and_the_buckets_are_bounded() -> None:
    assert all(TokenBuckets(0, 1).take("a") == 0 for _ in range(100))
    clock = Clock()
    buckets = TokenBuckets(rate_per_s=0.001, burst=1, max_clients=2, clock=clock)
    assert buckets.take("a") == buckets.take("b") == 0
    assert buckets.take("a") > 0
    buckets.take("c")  # a third client: the oldest bucket goes, and comes back full
    assert len(buckets._buckets) == 2
    assert buckets.take("a") == 0


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers,
                    "client": (peer, 50000), "query_string": b""})  # type: ignore[typeddict-item]


@pytest.mark.parametrize(("peer", "forwarded", "address"), [
    ("198.51.100.1", None, "198.51.100.1"),
    ("198.51.100.1", "1.2.3.4", "198.51.100.1"),  # not our proxy: its header means nothing
    ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
    ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", "1.2.3.4"),  # the client wrote "6.6.6.6"
    ("10.0.0.2", "10.0.0.3", "10.0.0.2"),
    ("10.0.0.2", "", "10.0.0.2"),
])
def test_the_address_is_the_peer_or_what_our_own_proxies_forwarded(
    peer: str, forwarded: str | None, address: str
) -> None:
    trusted = frozenset({"10.0.0.2", "10.0.0.3"})
    assert client_address(request_from(peer, forwarded), trusted) == address


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings]) -> GatewaySettings:
    # the test client is the app's peer: as a trusted proxy, it says which shopper is calling
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, trusted_proxies=["testclient"],
                       rate_per_address_per_s=0.01, burst_per_address=3,
                       rate_per_key_per_s=0.01, burst_per_key=5)


def design(product: str) -> dict:
    return {"product_id": product, "values": {"name": "Ada"}}


async def test_an_address_over_its_limit_gets_429_and_the_bus_is_not_called(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices
) -> None:
    headers = {**brand.widget, "X-Forwarded-For": SHOPPER}
    answers = [await client.post("/v1/personalization/validate", json=design(product),
                                 headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["retry-after"] == "100"  # 0.01 a second: one request in 100 s
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("client", "rate_limited")
    assert services.count(VALIDATE_DESIGN) == 3
    # another shopper behind the same balancer is not held back
    other = await client.post("/v1/personalization/validate", json=design(product),
                              headers={**brand.widget, "X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200


async def test_the_address_is_limited_before_the_key_is_looked_up(
    client: AsyncTestClient,
) -> None:
    headers = {"X-Atelier-Key": "pk_guessing", "X-Forwarded-For": SHOPPER}
    codes = [(await client.post("/v1/personalization/validate", json=design("p"),
                                headers=headers)).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


async def test_a_key_over_its_limit_gets_429_whatever_the_address(
    client: AsyncTestClient, brand: Brand, product: str,
) -> None:
    codes = []
    for n in range(7):  # a burst of 5, then one request every 100 s
        response = await client.post("/v1/personalization/validate", json=design(product),
                                     headers={**brand.widget, "X-Forwarded-For": f"192.0.2.{n}",
                                              "Origin": SHOP})
        codes.append(response.status_code)
    assert codes == [200, 200, 200, 200, 200, 429, 429]
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("X-Atelier-Key", "rate_limited")
    # the widget's script on the brand's storefront may read the refusal and when to retry
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()
    assert response.headers["retry-after"]
    # the limit is the key's: another brand's key goes on
    other = await make_brand(client)
    answer = await client.get("/v1/admin/fonts", headers={**other.admin,
                                                          "X-Forwarded-For": "192.0.2.99"})
    assert answer.status_code == 200


async def test_a_beacons_key_in_the_url_counts_against_the_same_limit(
    client: AsyncTestClient, brand: Brand, db: asyncpg.Connection,
) -> None:
    """The analytics route's key in the URL is the widget's key: its batches and the widget's
    other requests share one bucket, and a batch refused is not kept."""
    batch = {"events": [{"name": "widget_loaded", "product_id": "p-1", "session_id": "s-1",
                         "at": "2026-12-07T15:04:05Z"}]}
    codes = []
    for n in range(6):
        response = await client.post(f"/v1/widget/events?key={brand.publishable}", json=batch,
                                     headers={"X-Forwarded-For": f"192.0.2.{n}"})
        codes.append(response.status_code)
    assert codes == [202, 202, 202, 202, 202, 429]
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("key", "rate_limited")]
    kept = await db.fetchval("SELECT count(*) FROM gateway.outbox WHERE subject=$1 AND "
                             "convert_from(payload, 'UTF8')::jsonb->>'brand_id' = $2",
                             WIDGET_EVENTS_RECEIVED.subject, brand.id)
    assert kept == 5
