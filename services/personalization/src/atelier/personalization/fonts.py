"""Fonts as the personalization service offers and draws them.

A shipped font is drawable by atelier.typeset from the start. A brand's font is registered with
it once per process, under its id, from its file in the object store (``fonts/<sha256>``), the
first time a validation needs it or when it is uploaded.
"""

from collections.abc import Iterable
from functools import cache

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import FontInfo
from atelier.contracts.spec import font_object_key
from atelier.kit.errors import Invalid
from atelier.kit.storage import ObjectStore
from atelier.personalization.models import FontRow
from atelier.typeset import FontRefused, register_font
from atelier.typeset.fonts import SHIPPED


@cache
def shipped_font_info(font_id: str) -> FontInfo:
    font = SHIPPED[font_id]
    return FontInfo(
        id=font.id, family=font.family, url=f"/v1/fonts/{font.id}", sha256=font.sha256,
        shipped=True,
    )


def brand_font_info(font: FontRow) -> FontInfo:
    return FontInfo(
        id=font.id, family=font.family, url=f"/v1/assets/fonts/{font.sha256}",
        sha256=font.sha256, shipped=False,
    )


class Fonts:
    """The brand fonts this process has made drawable."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._registered: set[str] = set()  # ids of the brand fonts atelier.typeset knows

    def register(self, font_id: str, data: bytes) -> None:
        """Make a brand font drawable in this process; ``FontRefused`` when it is not a font the
        engine can draw."""
        register_font(font_id, data)
        self._registered.add(font_id)

    async def make_drawable(self, infos: Iterable[FontInfo]) -> None:
        """Register those of ``infos`` that are brand fonts not registered yet. A font recorded
        before the engine learned to refuse it is refused now, as a clear error of the design
        that offers it, never a server error."""
        for info in infos:
            if not info.shipped and info.id not in self._registered:
                try:
                    self.register(info.id, await self.store.get(font_object_key(info.sha256)))
                except FontRefused as refused:
                    raise Invalid(f"The font {info.family!r} cannot be used.", [ErrorItem(
                        field="font_id", code=ErrorCode.FONT_NOT_DRAWABLE,
                        message=f"The font {info.family!r} ({info.id}) cannot be used: "
                        f"{refused} Choose another font.")]) from refused
