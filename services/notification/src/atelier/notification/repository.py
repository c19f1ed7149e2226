"""The notification service's statements, in the brand's transaction (row-level security)."""

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.notification.models import EmailSettingsRow, MessageRow, SuppressionRow


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def settings(self, brand_id: str) -> dict[str, Any] | None:
        found = await self.session.execute(
            select(col(EmailSettingsRow.settings))
            .where(col(EmailSettingsRow.brand_id) == brand_id))
        return found.scalar_one_or_none()

    async def put_settings(self, brand_id: str, settings: dict[str, Any]) -> None:
        await self.session.execute(
            insert(EmailSettingsRow).values(brand_id=brand_id, settings=settings)
            .on_conflict_do_update(index_elements=["brand_id"],
                                   set_={"settings": settings, "updated_at": func.now()}))

    async def suppression(self, brand_id: str, address: str) -> str | None:
        found = await self.session.execute(
            select(col(SuppressionRow.reason)).where(col(SuppressionRow.brand_id) == brand_id,
                                                     col(SuppressionRow.address) == address))
        return found.scalar_one_or_none()

    async def suppress(self, brand_id: str, address: str, reason: str) -> SuppressionRow:
        """On the list with ``reason``; a bounce outranks the other reasons (it stops every
        email), so an address that bounced stays so."""
        stmt = insert(SuppressionRow).values(brand_id=brand_id, address=address, reason=reason)
        stmt = stmt.on_conflict_do_update(
            index_elements=["brand_id", "address"], set_={"reason": stmt.excluded.reason},
            where=col(SuppressionRow.reason) != "bounced")
        await self.session.execute(stmt)
        found = await self.session.execute(
            select(SuppressionRow).where(col(SuppressionRow.brand_id) == brand_id,
                                         col(SuppressionRow.address) == address))
        return found.scalar_one()

    async def unsuppress(self, brand_id: str, address: str) -> None:
        await self.session.execute(
            delete(SuppressionRow).where(col(SuppressionRow.brand_id) == brand_id,
                                         col(SuppressionRow.address) == address))

    async def suppressions(self, brand_id: str) -> list[SuppressionRow]:
        found = await self.session.execute(
            select(SuppressionRow).where(col(SuppressionRow.brand_id) == brand_id)
            .order_by(col(SuppressionRow.created_at).desc()).limit(10_000))
        return list(found.scalars())

    async def add_message(self, **values: Any) -> bool:
        """The email decided for (event, template, recipient); False when it was decided
        before (a redelivered or replayed event): nothing more is sent."""
        added = await self.session.execute(
            insert(MessageRow).values(**values)
            .on_conflict_do_nothing(constraint="messages_once").returning(col(MessageRow.id)))
        return added.scalar_one_or_none() is not None

