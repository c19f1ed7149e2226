"""Public files: content-addressed objects anyone may fetch (previews, brand fonts)."""

from atelier.gateway import domain
from atelier.kit.errors import NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectNotFound


async def asset(runtime: Runtime, key: str) -> bytes:
    """A public, content-addressed object; anything else does not exist for the public."""
    if runtime.store is None or not domain.is_public_asset(key):
        raise NotFound.of("asset", "key")
    try:
        return await runtime.store.get(key)
    except (ObjectNotFound, ValueError):  # ValueError: a key that cannot name an object
        raise NotFound.of("asset", "key") from None
