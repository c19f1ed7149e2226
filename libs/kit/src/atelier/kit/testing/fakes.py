"""Fakes for unit tests. Integration tests use the real Postgres and NATS instead."""

from datetime import timedelta

from atelier.kit.storage import ObjectNotFound, check_key


class InMemoryStore:
    """An ``ObjectStore`` in a dict; ``reads`` lists the keys read, in order."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.reads: list[str] = []

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[check_key(key)] = (data, content_type)

    async def get(self, key: str) -> bytes:
        self.reads.append(key)
        try:
            return self.objects[key][0]
        except KeyError as exc:
            raise ObjectNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def signed_url(self, key: str, expires: timedelta) -> str | None:
        return None
