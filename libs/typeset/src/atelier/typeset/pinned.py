"""The fonts a design pins, made ready for the engine: the one place a spec's fonts are resolved.

A spec (and a template's font list) names every font by id and content hash (``FontRef``). A
shipped font is drawn from the file Atelier ships, but only while that file still has the
pinned hash: had the platform's font changed, the design would print differently from what the
shopper approved. A brand's font is read from the object store under its content-addressed key
``fonts/<sha256>`` and registered with the engine once per process, under its hash rather than
its id: the same bytes are then one face, and no two fonts can ever be mistaken for each other.
Every service that draws or measures a design (render, the rules engine) goes through here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable

from atelier.contracts.spec import FontRef, font_object_key
from atelier.typeset.face import register_font
from atelier.typeset.fonts import SHIPPED


class FontUnavailable(Exception):
    """A pinned font that cannot be had: missing, not the pinned bytes, or not a font. Drawing
    the design again would fail the same way."""


def engine_font_id(font: FontRef) -> str:
    """The id the typesetting engine knows ``font`` by."""
    return font.id if font.id in SHIPPED else font.sha256


class PinnedFonts:
    """Loads brand fonts through ``fetch`` (object key → bytes; a KeyError when there is no
    such object), once per process, and checks every pin."""

    def __init__(self, fetch: Callable[[str], Awaitable[bytes]]) -> None:
        self._fetch = fetch
        self._registered: set[str] = set()  # sha256 of the brand fonts the engine knows

    def add(self, data: bytes) -> str:
        """Register a brand font from its bytes (an upload being checked); its engine id, the
        hash. ValueError when the bytes are not a font the engine can shape and draw."""
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 not in self._registered:
            register_font(sha256, data)
            self._registered.add(sha256)
        return sha256

    async def ensure(self, fonts: Iterable[FontRef]) -> None:
        """Raises ``FontUnavailable`` when a font cannot be found or is not the one pinned."""
        for font in {(f.id, f.sha256): f for f in fonts}.values():
            if font.id in SHIPPED:
                _check_shipped(font)
            elif font.sha256 not in self._registered:
                await self._register(font)

    async def _register(self, font: FontRef) -> None:
        key = font_object_key(font.sha256)
        try:
            data = await self._fetch(key)
        except KeyError:
            raise FontUnavailable(
                f"font {font.id!r} is neither a shipped font nor in the object store (no {key})"
            ) from None
        if hashlib.sha256(data).hexdigest() != font.sha256:
            raise FontUnavailable(f"font {font.id!r}: {key} does not hash to its key")
        try:
            self.add(data)
        except ValueError as exc:
            raise FontUnavailable(f"font {font.id!r} cannot be loaded: {exc}") from None


def _check_shipped(font: FontRef) -> None:
    shipped = SHIPPED[font.id].sha256
    if shipped != font.sha256:
        raise FontUnavailable(
            f"font {font.id!r} is pinned at sha256 {font.sha256} but the shipped file is "
            f"{shipped}: the platform's font changed under this design, which must not be "
            "drawn with another font"
        )
