"""The personalization service's repository in memory, for the handler tests."""

from collections.abc import Collection
from datetime import UTC, datetime

from atelier.contracts.personalization import WordList
from atelier.personalization.domain import Template
from atelier.personalization.models import FontRow, ModelRow, PhotoRow, ProductRow
from atelier.personalization.repository import PersonalizationRepository


class FakePersonalizationRepository(PersonalizationRepository):
    """Its tables as dicts: ``products`` by id, ``templates`` by (brand, product, version),
    ``font_rows`` in upload order, ``word_lists`` by brand, ``photos`` by (brand, sha256)."""

    def __init__(self) -> None:  # no session: the dicts below are the tables
        self.products: dict[str, ProductRow] = {}
        self.templates: dict[tuple[str, str, int], Template] = {}
        self.font_rows: list[FontRow] = []
        self.word_lists: dict[str, WordList] = {}
        self.photos: dict[tuple[str, str], PhotoRow] = {}
        self.models: dict[tuple[str, str], ModelRow] = {}

    def _product(self, brand_id: str, product_id: str) -> ProductRow | None:
        product = self.products.get(product_id)
        return product if product is not None and product.brand_id == brand_id else None

    async def current_version(self, brand_id: str, product_id: str) -> int | None:
        product = self._product(brand_id, product_id)
        return None if product is None else product.current_template_version

    async def template(self, brand_id: str, product_id: str, version: int) -> Template | None:
        return self.templates.get((brand_id, product_id, version))

    async def add_product(self, product: ProductRow) -> None:
        self.products[product.id] = product

    async def next_version(self, brand_id: str, product_id: str) -> ProductRow | None:
        product = self._product(brand_id, product_id)
        if product is not None:
            product.current_template_version += 1
        return product

    async def add_template(self, brand_id: str, template: Template) -> None:
        key = (brand_id, template.product_id, template.version)
        assert key not in self.templates  # published versions never change
        self.templates[key] = template

    async def fonts(self, brand_id: str, ids: Collection[str] | None = None) -> list[FontRow]:
        return [f for f in self.font_rows
                if f.brand_id == brand_id and (ids is None or f.id in ids)]

    async def font_by_hash(self, brand_id: str, sha256: str) -> FontRow | None:
        return next((f for f in await self.fonts(brand_id) if f.sha256 == sha256), None)

    async def add_font(self, font: FontRow) -> FontRow:
        stored = await self.font_by_hash(font.brand_id, font.sha256)
        if stored is None:
            stored = font.model_copy(update={"created_at": datetime.now(UTC)})
            self.font_rows.append(stored)
        return stored

    async def add_photo(self, photo: PhotoRow) -> None:
        self.photos.setdefault((photo.brand_id, photo.sha256), photo)

    async def photo_hashes(self, brand_id: str, hashes: Collection[str]) -> set[str]:
        return {sha for sha in hashes if (brand_id, sha) in self.photos}

    async def add_model(self, model: ModelRow) -> None:
        self.models.setdefault((model.brand_id, model.sha256), model)

    async def model_hashes(self, brand_id: str, hashes: Collection[str]) -> set[str]:
        return {sha for sha in hashes if (brand_id, sha) in self.models}

    async def word_list(self, brand_id: str) -> WordList:
        return self.word_lists.get(brand_id, WordList())

    async def set_word_list(self, brand_id: str, words: WordList) -> None:
        self.word_lists[brand_id] = words
