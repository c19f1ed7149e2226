"""Results kept for the objects the catalog hands out once (a template's zone, a fetched word
list), matched by identity: a pydantic model is not hashable, and hashing its contents on every
request would cost what the memo saves."""

import math
from collections.abc import Hashable
from typing import Generic, TypeVar

from atelier.kit.cache import TtlCache

V = TypeVar("V")


class ByIdentity(Generic[V]):
    """The ``size`` most recently used values by key, where a key includes ``id()`` of its
    ``owners``. An entry holds its owners, so their ids cannot be reused while it is here; a hit
    also checks that the owners are the very same objects."""

    def __init__(self, size: int) -> None:
        self._entries: TtlCache[tuple[tuple[object, ...], V]] = TtlCache(size, math.inf)

    def get(self, key: Hashable, owners: tuple[object, ...]) -> V | None:
        entry = self._entries.get(key)
        if entry is None or any(a is not b for a, b in zip(entry[0], owners, strict=True)):
            return None
        return entry[1]

    def put(self, key: Hashable, owners: tuple[object, ...], value: V) -> None:
        self._entries.put(key, (owners, value))
