"""The personalization service's statements. Every one filters on the brand: another brand's rows
do not exist."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts.analytics import CODE_PROP, FUNNEL_STEPS, WidgetEventName
from atelier.contracts.model3d import PRODUCT_MODEL
from atelier.contracts.personalization import TextZone, View, WordList
from atelier.personalization.domain import Template, placed
from atelier.personalization.models import (
    FontRow,
    ModelRow,
    PhotoRow,
    ProductRow,
    TemplateRow,
    WidgetEventRow,
    WordListRow,
)


class PersonalizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- products and templates ----------------------------------------------------------------
    async def current_version(self, brand_id: str, product_id: str) -> int | None:
        return await self.session.scalar(
            select(col(ProductRow.current_template_version)).where(
                col(ProductRow.id) == product_id, col(ProductRow.brand_id) == brand_id
            )
        )

    async def template(self, brand_id: str, product_id: str, version: int) -> Template | None:
        row = (
            await self.session.execute(
                select(col(ProductRow.name), col(TemplateRow.views), col(TemplateRow.zones),
                       col(TemplateRow.model))
                .join(TemplateRow, and_(col(TemplateRow.product_id) == col(ProductRow.id),
                                        col(TemplateRow.brand_id) == col(ProductRow.brand_id)))
                .where(
                    col(ProductRow.id) == product_id,
                    col(ProductRow.brand_id) == brand_id,
                    col(TemplateRow.version) == version,
                )
            )
        ).first()
        if row is None:
            return None
        name, views, zones, model = row
        return Template(product_id, name, version, *placed(
            [View.model_validate(v) for v in views or ()],
            [TextZone.model_validate(z) for z in zones]),
            None if model is None else PRODUCT_MODEL.validate_python(model))

    async def add_product(self, product: ProductRow) -> None:
        self.session.add(product)
        await self.session.flush()  # a template's foreign key needs the product row first

    async def next_version(self, brand_id: str, product_id: str) -> ProductRow | None:
        """Make the next template version current; the row lock serializes concurrent
        publishers."""
        return (
            await self.session.execute(
                update(ProductRow)
                .where(col(ProductRow.id) == product_id, col(ProductRow.brand_id) == brand_id)
                .values(current_template_version=col(ProductRow.current_template_version) + 1)
                .returning(ProductRow)
            )
        ).scalar_one_or_none()

    async def add_template(self, brand_id: str, template: Template) -> None:
        self.session.add(TemplateRow(
            product_id=template.product_id, version=template.version, brand_id=brand_id,
            views=[view.model_dump(mode="json") for view in template.views],
            zones=[zone.model_dump(mode="json") for zone in template.zones],
            model=None if template.model is None else PRODUCT_MODEL.dump_python(
                template.model, mode="json")))
        await self.session.flush()

    # --- brand fonts ---------------------------------------------------------------------------
    async def fonts(self, brand_id: str, ids: Collection[str] | None = None) -> list[FontRow]:
        """The brand's fonts (those among ``ids`` when given), oldest first."""
        query = (select(FontRow).where(col(FontRow.brand_id) == brand_id)
                 .order_by(col(FontRow.created_at)))
        if ids is not None:
            query = query.where(col(FontRow.id).in_(ids))
        return list((await self.session.scalars(query)).all())

    async def font_by_hash(self, brand_id: str, sha256: str) -> FontRow | None:
        return await self.session.scalar(
            select(FontRow).where(col(FontRow.brand_id) == brand_id, col(FontRow.sha256) == sha256)
        )

    async def add_font(self, font: FontRow) -> FontRow:
        """Insert the font; the brand's earlier upload of the same file wins (an upload repeated,
        or two at once, is one font)."""
        await self.session.execute(
            insert(FontRow).values(**font.model_dump(exclude={"created_at"}))
            .on_conflict_do_nothing()
        )
        stored = await self.font_by_hash(font.brand_id, font.sha256)
        assert stored is not None
        return stored

    # --- uploaded 3D models --------------------------------------------------------------------
    async def add_model(self, model: ModelRow) -> None:
        """Record the GLB; an upload of the same bytes again is the same model."""
        await self.session.execute(
            insert(ModelRow).values(**model.model_dump(exclude={"created_at"}))
            .on_conflict_do_nothing())

    async def model_hashes(self, brand_id: str, hashes: Collection[str]) -> set[str]:
        """Those of ``hashes`` that are GLBs the brand uploaded."""
        found = await self.session.scalars(select(col(ModelRow.sha256)).where(
            col(ModelRow.brand_id) == brand_id, col(ModelRow.sha256).in_(hashes)))
        return set(found.all())

    # --- product photos ------------------------------------------------------------------------
    async def add_photo(self, photo: PhotoRow) -> None:
        """Record the photo; an upload of the same bytes again is the same photo."""
        await self.session.execute(
            insert(PhotoRow).values(**photo.model_dump(exclude={"created_at"}))
            .on_conflict_do_nothing()
        )

    async def photo_hashes(self, brand_id: str, hashes: Collection[str]) -> set[str]:
        """Those of ``hashes`` that are photos the brand uploaded."""
        return set((await self.session.scalars(
            select(col(PhotoRow.sha256)).where(col(PhotoRow.brand_id) == brand_id,
                                               col(PhotoRow.sha256).in_(hashes))
        )).all())

    # --- word lists ----------------------------------------------------------------------------
    async def word_list(self, brand_id: str) -> WordList:
        row = await self.session.get(WordListRow, brand_id)
        return WordList() if row is None else WordList.model_validate(
            row.model_dump(exclude={"brand_id", "updated_at"}))

    async def set_word_list(self, brand_id: str, words: WordList) -> None:
        values = words.model_dump(mode="json")
        await self.session.execute(
            insert(WordListRow)
            .values(brand_id=brand_id, **values)
            .on_conflict_do_update(
                index_elements=[col(WordListRow.brand_id)],
                set_={**values, "updated_at": func.now()},
            )
        )

    # --- the widget's analytics ----------------------------------------------------------------
    async def product_ids(self, brand_id: str, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` that are products of the brand."""
        return set((await self.session.scalars(
            select(col(ProductRow.id)).where(col(ProductRow.brand_id) == brand_id,
                                             col(ProductRow.id).in_(ids))
        )).all())

    async def add_widget_events(self, events: list[WidgetEventRow]) -> None:
        """One statement for the whole batch."""
        await self.session.execute(insert(WidgetEventRow).values(
            [event.model_dump(exclude={"id"}) for event in events]))

    def _window(self, brand_id: str, product_id: str | None, since: datetime,
                until: datetime) -> list[ColumnElement[bool]]:
        where = [col(WidgetEventRow.brand_id) == brand_id,
                 col(WidgetEventRow.received_at) >= since, col(WidgetEventRow.received_at) < until]
        if product_id is not None:
            where.append(col(WidgetEventRow.product_id) == product_id)
        return where

    async def funnel_sessions(
        self, brand_id: str, product_id: str | None, since: datetime, until: datetime
    ) -> dict[int, int]:
        """How many sessions sent exactly which funnel steps: {bit mask of the steps (bit i:
        ``FUNNEL_STEPS[i]``): sessions}. At most 32 rows, whatever the number of events."""
        step_bit = case({name.value: 1 << i for i, name in enumerate(FUNNEL_STEPS)},
                        value=col(WidgetEventRow.name), else_=0)
        per_session = (
            select(func.bit_or(step_bit).label("steps"))
            .where(*self._window(brand_id, product_id, since, until))
            .group_by(col(WidgetEventRow.session_id))
            .subquery()
        )
        rows = await self.session.execute(
            select(per_session.c.steps, func.count()).group_by(per_session.c.steps))
        return {int(steps): int(count) for steps, count in rows.all()}

    async def validation_failures(
        self, brand_id: str, product_id: str | None, since: datetime, until: datetime,
        limit: int,
    ) -> list[tuple[str, int, int]]:
        """(code, events, distinct sessions) of the validation failures, most frequent first."""
        code = func.coalesce(col(WidgetEventRow.props)[CODE_PROP].astext, literal("unknown"))
        events = func.count()
        rows = await self.session.execute(
            select(code, events, func.count(col(WidgetEventRow.session_id).distinct()))
            .where(*self._window(brand_id, product_id, since, until),
                   col(WidgetEventRow.name) == WidgetEventName.VALIDATION_FAILED.value)
            .group_by(code).order_by(events.desc(), code).limit(limit))
        return [(str(c), int(n), int(s)) for c, n, s in rows.all()]
