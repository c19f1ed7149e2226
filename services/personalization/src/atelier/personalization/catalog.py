"""What the validate path reads, from memory when warm: validation is the hottest path of the
platform, and once these caches are warm it does not touch the database. On a miss they load
through the service's repository, in a unit of work of their own.

- a template version, forever: published templates never change (a database trigger);
- a product's current version, for ``current_version_ttl_s``: a version published through
  another replica is used within that time (at once on the replica that published it);
- a brand's word list, for ``word_list_ttl_s``;
- a brand font's FontInfo, forever (a font id always names the same bytes); the font itself is
  made drawable by ``atelier.typeset.pinned.PinnedFonts``.
"""

import math
from collections.abc import Iterable

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import FontInfo, WordList
from atelier.contracts.spec import FontRef
from atelier.kit.cache import TtlCache
from atelier.kit.delivery import Units
from atelier.kit.errors import Invalid, NotFound
from atelier.personalization.domain import Template
from atelier.personalization.fonts import brand_font_info, shipped_font_info
from atelier.personalization.settings import PersonalizationSettings
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.pinned import FontUnavailable, PinnedFonts

ENTRIES = 10_000  # per cache: well beyond the products and brands one replica serves at once


class Catalog:
    def __init__(self, units: Units, fonts: PinnedFonts, settings: PersonalizationSettings) -> None:
        self.units = units  # of the service: their repository is a PersonalizationRepository
        self.fonts = fonts
        self._templates: TtlCache[Template] = TtlCache(ENTRIES, math.inf)
        self._versions: TtlCache[int] = TtlCache(ENTRIES, settings.current_version_ttl_s)
        self._words: TtlCache[WordList] = TtlCache(ENTRIES, settings.word_list_ttl_s)
        self._font_infos: TtlCache[FontInfo] = TtlCache(ENTRIES, math.inf)

    # --- templates -----------------------------------------------------------------------------
    async def template(
        self, brand_id: str, product_id: str, version: int | None = None
    ) -> Template:
        """The product's current template, or the given version of it."""
        current = await self.current_version(brand_id, product_id)
        wanted = current if version is None else version
        template = await self._templates.get_or_load(
            (brand_id, product_id, wanted),
            lambda: self._load_template(brand_id, product_id, wanted),
        )
        assert template is not None  # _load_template raises rather than return None
        return template

    async def _load_template(self, brand_id: str, product_id: str, version: int) -> Template:
        async with self.units() as uow:
            template = await uow.repository.template(brand_id, product_id, version)
        if template is None:
            raise NotFound.of("template version", "version")
        return template

    async def current_version(self, brand_id: str, product_id: str) -> int:
        async def load() -> int | None:
            async with self.units() as uow:
                return await uow.repository.current_version(brand_id, product_id)

        version = await self._versions.get_or_load((brand_id, product_id), load)
        if version is None:
            raise NotFound.of("product", "product_id")
        return version

    def published(self, brand_id: str, template: Template) -> None:
        """A version this replica published is current here at once."""
        self._templates.put((brand_id, template.product_id, template.version), template)
        self._versions.put((brand_id, template.product_id), template.version)

    # --- fonts ---------------------------------------------------------------------------------
    async def font_infos(self, brand_id: str, font_ids: Iterable[str]) -> list[FontInfo]:
        """FontInfo of shipped and brand fonts alike, in the order asked."""
        ids = list(font_ids)
        missing = [i for i in ids
                   if i not in SHIPPED and self._font_infos.get((brand_id, i)) is None]
        if missing:
            async with self.units() as uow:
                for font in await uow.repository.fonts(brand_id, missing):
                    self._font_infos.put((brand_id, font.id), brand_font_info(font))
        return [self._font_info(brand_id, i) for i in ids]

    def _font_info(self, brand_id: str, font_id: str) -> FontInfo:
        if font_id in SHIPPED:
            return shipped_font_info(font_id)
        info = self._font_infos.get((brand_id, font_id))
        if info is None:  # templates only name fonts that existed when they were published
            raise LookupError(f"font {font_id!r} of brand {brand_id!r} is not recorded")
        return info

    async def font_hashes(self, brand_id: str, template: Template) -> dict[str, str]:
        """font id → sha256 of every font the template offers, each drawable by atelier.typeset."""
        infos = await self.font_infos(brand_id, template.font_ids)
        for info in infos:
            try:
                await self.fonts.ensure([FontRef(id=info.id, sha256=info.sha256)])
            except FontUnavailable as unavailable:  # recorded before the engine refused it
                raise Invalid(f"The font {info.family!r} cannot be used.", [ErrorItem(
                    field="font_id", code=ErrorCode.FONT_NOT_DRAWABLE,
                    message=f"The font {info.family!r} ({info.id}) cannot be used: "
                    f"{unavailable} Choose another font.")]) from unavailable
        return {info.id: info.sha256 for info in infos}

    # --- word lists ----------------------------------------------------------------------------
    async def word_list(self, brand_id: str) -> WordList:
        async def load() -> WordList:
            async with self.units() as uow:
                return await uow.repository.word_list(brand_id)

        words = await self._words.get_or_load(brand_id, load)
        assert words is not None  # a brand without a list has an empty one
        return words

    def word_list_set(self, brand_id: str, words: WordList) -> None:
        """A list this replica stored applies here at once."""
        self._words.put(brand_id, words)
