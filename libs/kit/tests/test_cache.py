import asyncio
import time

from atelier.kit.cache import TtlCache


def test_entries_expire_and_the_least_recently_used_is_dropped(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache: TtlCache[str] = TtlCache(maxsize=2, ttl_s=10)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("c", "C")
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    now[0] += 10.5
    assert cache.get("a") is None and cache.get("c") is None


async def test_concurrent_misses_share_one_load_and_none_is_not_kept() -> None:
    cache: TtlCache[str] = TtlCache(maxsize=10, ttl_s=60)
    loads: list[str] = []
    release = asyncio.Event()

    async def load(key: str) -> str | None:
        loads.append(key)
        await release.wait()
        return None if key == "unknown" else key.upper()

    waiting = [asyncio.create_task(cache.get_or_load(k, lambda k=k: load(k)))
               for k in ("a", "a", "a", "unknown", "unknown")]
    await asyncio.sleep(0.01)
    waiting[0].cancel()  # one request gives up: the others still get the value
    release.set()
    results = await asyncio.gather(*waiting[1:])
    assert results == ["A", "A", None, None]
    assert sorted(loads) == ["a", "unknown"]
    assert await cache.get_or_load("a", lambda: load("a")) == "A" and loads.count("a") == 1
    assert await cache.get_or_load("unknown", lambda: load("unknown")) is None
    assert loads.count("unknown") == 2  # a miss is asked again next time


async def test_a_failed_load_reaches_every_waiter_and_is_retried_next_time() -> None:
    cache: TtlCache[str] = TtlCache(maxsize=10, ttl_s=60)
    calls = 0

    async def failing() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ConnectionError("database down")

    results = await asyncio.gather(*(cache.get_or_load("k", failing) for _ in range(3)),
                                   return_exceptions=True)
    assert calls == 1 and all(isinstance(r, ConnectionError) for r in results)

    async def working() -> str:
        return "back"

    assert await cache.get_or_load("k", working) == "back"


def test_discard_where_drops_only_the_entries_it_picks() -> None:
    cache: TtlCache[str] = TtlCache(maxsize=10, ttl_s=60)
    for key, brand in (("k1", "a"), ("k2", "b"), ("k3", "a")):
        cache.put(key, brand)
    cache.discard_where(lambda brand: brand == "a")
    assert (cache.get("k1"), cache.get("k2"), cache.get("k3")) == (None, "b", None)
