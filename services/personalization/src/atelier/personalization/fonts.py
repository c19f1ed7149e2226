"""Fonts as the personalization service offers them. They are made drawable (a brand's font
read from the object store, every pin checked) by ``atelier.typeset.pinned.PinnedFonts``, the
one place a design's fonts are resolved.
"""

from functools import cache

from atelier.contracts.personalization import FontInfo
from atelier.personalization.models import FontRow
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
