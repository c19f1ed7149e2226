"""The service's queries. Every one filters on the brand: another brand's rows do not exist."""

from collections.abc import Collection

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.contracts.personalization import WordList
from atelier.personalization.models import FontRow, ProductRow, TemplateRow, WordListRow


async def current_version(session: AsyncSession, brand_id: str, product_id: str) -> int | None:
    return await session.scalar(
        select(ProductRow.current_template_version).where(
            ProductRow.id == product_id, ProductRow.brand_id == brand_id
        )
    )


async def template(
    session: AsyncSession, brand_id: str, product_id: str, version: int
) -> tuple[ProductRow, TemplateRow] | None:
    row = (
        await session.execute(
            select(ProductRow, TemplateRow)
            .join(TemplateRow, and_(TemplateRow.product_id == ProductRow.id,
                                    TemplateRow.brand_id == ProductRow.brand_id))
            .where(
                ProductRow.id == product_id,
                ProductRow.brand_id == brand_id,
                TemplateRow.version == version,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def next_version(session: AsyncSession, brand_id: str, product_id: str) -> ProductRow | None:
    """Make the next template version current; the row lock serializes concurrent publishers."""
    return (
        await session.execute(
            update(ProductRow)
            .where(ProductRow.id == product_id, ProductRow.brand_id == brand_id)
            .values(current_template_version=ProductRow.current_template_version + 1)
            .returning(ProductRow)
        )
    ).scalar_one_or_none()


async def fonts(
    session: AsyncSession, brand_id: str, ids: Collection[str] | None = None
) -> list[FontRow]:
    """The brand's fonts (those among ``ids`` when given), oldest first."""
    query = select(FontRow).where(FontRow.brand_id == brand_id).order_by(FontRow.created_at)
    if ids is not None:
        query = query.where(FontRow.id.in_(ids))  # type: ignore[attr-defined]
    return list((await session.scalars(query)).all())


async def font_by_hash(session: AsyncSession, brand_id: str, sha256: str) -> FontRow | None:
    return await session.scalar(
        select(FontRow).where(FontRow.brand_id == brand_id, FontRow.sha256 == sha256)
    )


async def add_font(session: AsyncSession, font: FontRow) -> FontRow:
    """Insert the font; the brand's earlier upload of the same file wins (an upload repeated,
    or two at once, is one font)."""
    await session.execute(
        insert(FontRow).values(**font.model_dump(exclude={"created_at"})).on_conflict_do_nothing()
    )
    stored = await font_by_hash(session, font.brand_id, font.sha256)
    assert stored is not None
    return stored


async def word_list(session: AsyncSession, brand_id: str) -> WordList:
    row = await session.get(WordListRow, brand_id)
    return WordList() if row is None else WordList(blocked=row.blocked, allowed=row.allowed)


async def set_word_list(session: AsyncSession, brand_id: str, words: WordList) -> None:
    values = {"blocked": words.blocked, "allowed": words.allowed}
    await session.execute(
        insert(WordListRow)
        .values(brand_id=brand_id, **values)
        .on_conflict_do_update(
            index_elements=[WordListRow.brand_id], set_={**values, "updated_at": func.now()}
        )
    )
