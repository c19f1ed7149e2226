"""The notification service's statements, in the brand's transaction (row-level security)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, or_, select, update
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

    async def erase(self, order_ids: list[str] | None) -> int:
        """A shop's privacy request: the shopper's address and the body of every email of these
        orders (``None``: of all the brand's orders) erased, the rows kept (what was sent, when,
        to whom no more); one not sent yet never will be."""
        m = MessageRow
        of = col(m.order_id).is_not(None) if order_ids is None else col(m.order_id).in_(order_ids)
        unsent = col(m.status).in_(("pending", "sending"))
        erased = await self.session.execute(
            update(m).where(of, col(m.recipient).not_like("erased:%")).values(
                recipient=func.concat("erased:", m.id), mime=None,
                status=case((unsent, "failed"), else_=m.status),
                last_error=case((unsent, "not sent: personal data erased on the shop's request"),
                                else_=m.last_error))
            .returning(col(m.id)))
        return len(erased.all())


# --- the sender's ----------------------------------------------------------------------------
def _due(lease_s: float) -> Any:
    """Pending and due, or claimed by a sender that has not marked it for ``lease_s``."""
    m = MessageRow
    return or_(and_(col(m.status) == "pending", col(m.next_attempt_at) <= func.now()),
               _lost(lease_s))


def _lost(lease_s: float) -> Any:
    m = MessageRow
    return and_(col(m.status) == "sending",
                col(m.claimed_at) < func.now() - timedelta(seconds=lease_s))


class Outbound:
    """The sent log as the sender works it: found across brands (read only), each row then
    claimed and marked in its own brand's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(self, lease_s: float, limit: int) -> list[Row[str, str]]:
        m = MessageRow
        found = await self.session.execute(
            select(col(m.id), col(m.brand_id)).where(_due(lease_s))
            .order_by(col(m.next_attempt_at)).limit(limit))
        return list(found.all())

    async def give_up_lost(self, message_id: str, lease_s: float) -> str | None:
        """An at-most-once email whose claim was lost: ``unknown``, never sent again (its
        template, or None when it is not such an email)."""
        m = MessageRow
        given_up = await self.session.execute(
            update(m).where(col(m.id) == message_id, _lost(lease_s),
                            col(m.delivery) == "at_most_once")
            .values(status="unknown", last_error="the sender stopped during the SMTP exchange; "
                    "at most once: not sent again")
            .returning(col(m.template)))
        return given_up.scalar_one_or_none()

    async def claim(self, message_id: str, lease_s: float
                    ) -> Row[str, str, bytes | None, int] | None:
        """Take the email to send (an attempt counted); None when another sender has it."""
        m = MessageRow
        claimed = await self.session.execute(
            update(m).where(col(m.id) == message_id, _due(lease_s))
            .values(status="sending", claimed_at=func.clock_timestamp(),
                    attempts=col(m.attempts) + 1)
            .returning(col(m.template), col(m.recipient), col(m.mime), col(m.attempts)))
        return claimed.first()

    async def settle(self, message_id: str, attempts: int, status: str,
                     error: str | None = None, retry_in_s: float | None = None) -> None:
        """Record the outcome of the claim made at ``attempts`` (only that claim's: one given
        up on and taken again by another sender is that sender's to record)."""
        m = MessageRow
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = func.now()
        if retry_in_s is not None:
            values["next_attempt_at"] = func.clock_timestamp() + timedelta(seconds=retry_in_s)
        await self.session.execute(
            update(m).where(col(m.id) == message_id, col(m.status) == "sending",
                            col(m.attempts) == attempts).values(**values))
