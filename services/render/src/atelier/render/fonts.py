"""The fonts a spec pins, made ready for the typesetting engine before a zone is drawn.

A spec names every font by id and content hash (``FontRef``). A shipped font is drawn from the
file Atelier ships, but only while that file still has the pinned hash: had the platform's font
changed, the design would print differently from what the shopper approved. A brand's font is
read from the object store under its content-addressed key ``fonts/<sha256>`` and registered with
the engine once per process. It is registered under its hash rather than its id: the same bytes
are then one face, and no two fonts can ever be mistaken for each other.
"""

import hashlib
from collections.abc import Iterable

from atelier.contracts.spec import FontRef, font_object_key
from atelier.kit.storage import ObjectNotFound, ObjectStore
from atelier.render.domain import Undrawable
from atelier.typeset import register_font
from atelier.typeset.fonts import SHIPPED


def engine_font_id(font: FontRef) -> str:
    """The id the typesetting engine knows ``font`` by."""
    return font.id if font.id in SHIPPED else font.sha256


class PinnedFonts:
    """Loads brand fonts from the store, once per process, and checks every pin."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._registered: set[str] = set()  # sha256 of the brand fonts the engine knows

    async def ensure(self, fonts: Iterable[FontRef]) -> None:
        """Raises ``Undrawable`` when a font cannot be found or is not the one pinned."""
        for font in {(f.id, f.sha256): f for f in fonts}.values():
            if font.id in SHIPPED:
                _check_shipped(font)
            elif font.sha256 not in self._registered:
                await self._register(font)

    async def _register(self, font: FontRef) -> None:
        try:
            data = await self._store.get(font_object_key(font.sha256))
        except ObjectNotFound:
            raise Undrawable(
                f"font {font.id!r} is neither a shipped font nor in the object store "
                f"(no {font_object_key(font.sha256)})"
            ) from None
        if hashlib.sha256(data).hexdigest() != font.sha256:
            key = font_object_key(font.sha256)
            raise Undrawable(f"font {font.id!r}: {key} does not hash to its key")
        try:
            register_font(font.sha256, data)
        except ValueError as exc:
            raise Undrawable(f"font {font.id!r} cannot be loaded: {exc}") from None
        self._registered.add(font.sha256)


def _check_shipped(font: FontRef) -> None:
    shipped = SHIPPED[font.id].sha256
    if shipped != font.sha256:
        raise Undrawable(
            f"font {font.id!r} is pinned at sha256 {font.sha256} but the shipped file is "
            f"{shipped}: the platform's font changed under this design, which must not be "
            "drawn with another font"
        )
