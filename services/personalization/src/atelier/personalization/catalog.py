"""What the validate path reads, from memory when warm: validation is the hottest path of the
platform, and once the caches are warm it does not touch the database.

- a template version, forever: published templates never change (a database trigger);
- a product's current version, for ``current_version_ttl_s``: a version published through
  another replica is used within that time (at once on the replica that published it);
- a brand's word list, for ``word_list_ttl_s``;
- a brand font's FontInfo, forever (a font id always names the same bytes), and the font itself,
  registered in atelier.typeset once per process on its first use.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

from atelier.contracts.personalization import FontInfo, Product, TextZone, WordList
from atelier.contracts.spec import font_object_key
from atelier.kit.cache import TtlCache
from atelier.kit.db import Database
from atelier.kit.errors import NotFound
from atelier.kit.storage import ObjectStore
from atelier.personalization import domain, repository
from atelier.personalization.models import FontRow
from atelier.personalization.settings import PersonalizationSettings
from atelier.typeset import register_font
from atelier.typeset.fonts import SHIPPED

ENTRIES = 10_000  # per cache: well beyond the products and brands one replica serves at once


@dataclass(frozen=True)
class Template:
    """One published version of a product, with its zones parsed once."""

    product_id: str
    name: str
    version: int
    zones: list[TextZone]

    @cached_property
    def font_ids(self) -> list[str]:
        return domain.fonts_used(self.zones)

    def product(self) -> Product:
        return Product(
            id=self.product_id, name=self.name, template_version=self.version, zones=self.zones
        )


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


class Catalog:
    def __init__(
        self, db: Database, store: ObjectStore, settings: PersonalizationSettings
    ) -> None:
        self.db = db
        self.store = store
        self._templates: TtlCache[Template] = TtlCache(ENTRIES, math.inf)
        self._versions: TtlCache[int] = TtlCache(ENTRIES, settings.current_version_ttl_s)
        self._words: TtlCache[WordList] = TtlCache(ENTRIES, settings.word_list_ttl_s)
        self._fonts: TtlCache[FontInfo] = TtlCache(ENTRIES, math.inf)
        self._registered: set[str] = set()

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
        async with self.db.sessions() as session:
            rows = await repository.template(session, brand_id, product_id, version)
            if rows is None:
                raise NotFound.of("template version", "version")
            product, row = rows
            return Template(product.id, product.name, row.version,
                            [TextZone.model_validate(zone) for zone in row.zones])

    async def current_version(self, brand_id: str, product_id: str) -> int:
        async def load() -> int | None:
            async with self.db.sessions() as session:
                return await repository.current_version(session, brand_id, product_id)

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
        missing = [i for i in ids if i not in SHIPPED and self._fonts.get((brand_id, i)) is None]
        if missing:
            async with self.db.sessions() as session:
                for font in await repository.fonts(session, brand_id, missing):
                    self._fonts.put((brand_id, font.id), brand_font_info(font))
        return [self._font_info(brand_id, i) for i in ids]

    def _font_info(self, brand_id: str, font_id: str) -> FontInfo:
        if font_id in SHIPPED:
            return shipped_font_info(font_id)
        info = self._fonts.get((brand_id, font_id))
        if info is None:  # templates only name fonts that existed when they were published
            raise LookupError(f"font {font_id!r} of brand {brand_id!r} is not recorded")
        return info

    async def font_hashes(self, brand_id: str, template: Template) -> dict[str, str]:
        """font id → sha256 of every font the template offers, each drawable by atelier.typeset."""
        infos = await self.font_infos(brand_id, template.font_ids)
        for info in infos:
            if not info.shipped and info.id not in self._registered:
                self.register(info.id, await self.store.get(font_object_key(info.sha256)))
        return {info.id: info.sha256 for info in infos}

    def register(self, font_id: str, data: bytes) -> None:
        """Make a brand font drawable in this process; ValueError when it is not a font."""
        register_font(font_id, data)
        self._registered.add(font_id)

    # --- word lists ----------------------------------------------------------------------------
    async def word_list(self, brand_id: str) -> WordList:
        async def load() -> WordList:
            async with self.db.sessions() as session:
                return await repository.word_list(session, brand_id)

        words = await self._words.get_or_load(brand_id, load)
        assert words is not None  # a brand without a list has an empty one
        return words

    def word_list_set(self, brand_id: str, words: WordList) -> None:
        """A list this replica stored applies here at once."""
        self._words.put(brand_id, words)
