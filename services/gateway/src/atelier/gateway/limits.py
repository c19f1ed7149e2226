"""Rate limits per client address and per API key (DESIGN §8), as token buckets.

A bucket holds ``burst`` requests and refills at ``rate_per_s``; a request finding it empty is
answered 429 with ``Retry-After``. The address is checked before the key is looked up, so that
a client trying keys cannot make the gateway query the database faster than its limit. The
client's address is the connection's peer, or, only when that peer is one of our own
``trusted_proxies``, the last address in ``X-Forwarded-For`` that is not a trusted proxy: a
client cannot pick its own address by sending the header.

Buckets live in each gateway process: with N replicas behind a balancer, a client gets up to N
times the limit. A process keeps at most ``max_clients`` buckets of each kind (the oldest goes
first); a bucket that goes comes back full, so eviction can only be lenient.
"""

import math
import time
from collections.abc import Callable, Iterable

from litestar.connection import ASGIConnection
from prometheus_client import CollectorRegistry, Counter

from atelier.contracts import ErrorCode, ErrorItem
from atelier.kit.errors import TooManyRequests


class TokenBuckets:
    """``take(name)`` spends one request of ``name``'s bucket: 0 if it had one, otherwise the
    seconds until it has. A rate of 0 turns the limit off."""

    def __init__(
        self, rate_per_s: float, burst: int, max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)

    def take(self, name: str) -> float:
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        tokens, at = self._buckets.get(name, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if name not in self._buckets and len(self._buckets) >= self.max_clients:
            del self._buckets[next(iter(self._buckets))]
        if tokens >= 1.0:
            self._buckets[name] = (tokens - 1.0, now)
            return 0.0
        self._buckets[name] = (tokens, now)
        return (1.0 - tokens) / self.rate


def client_address(connection: ASGIConnection, trusted_proxies: frozenset[str]) -> str:
    """The peer, or the client a trusted proxy of ours forwarded (see the module)."""
    peer = connection.client.host if connection.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = connection.headers.get("x-forwarded-for")
    if not forwarded:
        return peer
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        if hop and hop not in trusted_proxies:
            return hop
    return peer


class RateLimits:
    """The gateway's two limits and the count of what they refused."""

    def __init__(
        self, registry: CollectorRegistry, *, per_address: TokenBuckets, per_key: TokenBuckets,
        trusted_proxies: Iterable[str],
    ) -> None:
        self.per_address = per_address
        self.per_key = per_key
        self.trusted_proxies = frozenset(trusted_proxies)
        self.refused = Counter("atelier_rate_limited", "Requests refused by a rate limit",
                               ["limit"], registry=registry)

    def check_address(self, connection: ASGIConnection) -> None:
        wait = self.per_address.take(client_address(connection, self.trusted_proxies))
        if wait:
            self._refuse("address", "client", "Too many requests from this address", wait)

    def check_key(self, key_name: str, field: str) -> None:
        wait = self.per_key.take(key_name)
        if wait:
            self._refuse("key", field, "Too many requests with this API key", wait)

    def _refuse(self, limit: str, field: str, message: str, wait_s: float) -> None:
        self.refused.labels(limit).inc()
        retry_after = max(1, math.ceil(wait_s))
        text = f"{message}; retry in {retry_after} s."
        raise TooManyRequests(text,
                              [ErrorItem(field=field, code=ErrorCode.RATE_LIMITED, message=text)],
                              retry_after)
