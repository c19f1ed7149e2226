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
