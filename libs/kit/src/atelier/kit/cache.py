"""A small in-process cache with a time to live, for hot read paths (API keys, templates)."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Least-recently-used entries beyond ``maxsize`` are dropped; entries expire after ``ttl_s``.
    A cached answer may be up to ``ttl_s`` old: use it where that staleness is acceptable."""

    def __init__(self, maxsize: int, ttl_s: float) -> None:
        self.maxsize = maxsize
        self.ttl_s = ttl_s
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._loading: dict[Hashable, asyncio.Future[V | None]] = {}

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = (time.monotonic() + self.ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, else what ``load()`` returns (kept unless None). Concurrent misses of
        one key share a single load: when a hot entry expires under load, one query refills it
        instead of one per waiting request."""
        found = self.get(key)
        if found is not None:
            return found
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, load))
        # a waiter that gives up (its request was cancelled) does not cancel the others' load
        return await asyncio.shield(loading)

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[V | None]]) -> V | None:
        try:
            value = await load()
            if value is not None:
                self.put(key, value)
            return value
        finally:
            del self._loading[key]

    def discard(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def discard_where(self, stale: Callable[[V], bool]) -> None:
        """Drop every entry whose value ``stale`` picks (a scan: for rare changes, not hot
        paths)."""
        for key in [key for key, (_, value) in self._entries.items() if stale(value)]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
