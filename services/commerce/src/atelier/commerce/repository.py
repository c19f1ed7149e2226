"""The commerce service's statements. Every one runs in the brand's transaction (row-level
security): a brand only ever sees its own orders."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.commerce.models import (
    OrderEventRow,
    OrderItemRow,
    OrderRow,
    PaymentRow,
    PriceRow,
    ProductMappingRow,
)
from atelier.contracts import new_id


class CommerceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_order(self, order_id: str | None = None, any_conflict: bool = False,
                        **values: Any) -> str | None:
        """A new order's id (``order_id``, or a new one); None when the provider's order is
        known already (it reaches us by several topics and subscriptions), or, with
        ``any_conflict``, when an order has that id too."""
        order_id = order_id or new_id()
        insert_order = insert(OrderRow).values(id=order_id, **values)
        added = await self.session.execute(
            (insert_order.on_conflict_do_nothing() if any_conflict else
             insert_order.on_conflict_do_nothing(constraint="orders_external"))
            .returning(col(OrderRow.id)))
        return added.scalar_one_or_none()

    async def add_item(self, **values: Any) -> str:
        item_id = new_id()
        await self.session.execute(insert(OrderItemRow).values(id=item_id, **values))
        return item_id

    async def record(self, brand_id: str, order_id: str, event: str,
                     detail: str | None = None) -> None:
        await self.session.execute(insert(OrderEventRow).values(
            id=new_id(), brand_id=brand_id, order_id=order_id, event=event, detail=detail))

    async def order(self, order_id: str, for_update: bool = False) -> OrderRow | None:
        query = select(OrderRow).where(col(OrderRow.id) == order_id)
        return (await self.session.execute(
            query.with_for_update() if for_update else query)).scalar_one_or_none()

    async def order_by_external(self, source: str, external_id: str,
                                for_update: bool = False) -> OrderRow | None:
        query = select(OrderRow).where(col(OrderRow.source) == source,
                                       col(OrderRow.external_id) == external_id)
        return (await self.session.execute(
            query.with_for_update() if for_update else query)).scalar_one_or_none()

    async def orders(self, status: str | None, before: datetime | None, limit: int
                     ) -> list[OrderRow]:
        query = select(OrderRow)
        if status is not None:
            query = query.where(col(OrderRow.status) == status)
        if before is not None:
            query = query.where(col(OrderRow.created_at) < before)
        query = query.order_by(col(OrderRow.created_at).desc()).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def items(self, order_ids: Iterable[str]) -> list[OrderItemRow]:
        found = await self.session.execute(
            select(OrderItemRow).where(col(OrderItemRow.order_id).in_(list(order_ids)))
            .order_by(col(OrderItemRow.line_id)))
        return list(found.scalars())

    async def events(self, order_ids: Iterable[str]) -> list[OrderEventRow]:
        found = await self.session.execute(
            select(OrderEventRow).where(col(OrderEventRow.order_id).in_(list(order_ids)))
            .order_by(col(OrderEventRow.id)))
        return list(found.scalars())

    async def set_order_status(self, order_id: str, status: str) -> None:
        await self.session.execute(
            update(OrderRow).where(col(OrderRow.id) == order_id).values(status=status))

    async def set_item(self, item_id: str, **values: Any) -> None:
        await self.session.execute(
            update(OrderItemRow).where(col(OrderItemRow.id) == item_id).values(**values))

    async def mappings(self, platform: str, external_ids: Iterable[str]) -> dict[str, str]:
        found = await self.session.execute(
            select(ProductMappingRow).where(
                col(ProductMappingRow.platform) == platform,
                col(ProductMappingRow.external_product_id).in_(list(external_ids))))
        return {row.external_product_id: row.product_id for row in found.scalars()}

    async def map_product(self, brand_id: str, platform: str, external_product_id: str,
                          product_id: str) -> None:
        await self.session.execute(
            insert(ProductMappingRow)
            .values(id=new_id(), brand_id=brand_id, platform=platform,
                    external_product_id=external_product_id, product_id=product_id)
            .on_conflict_do_update(constraint="product_mappings_external",
                                   set_={"product_id": product_id}))

    async def forget_customer(self, email: str) -> list[str]:
        """customers/redact: the shopper's email erased from the brand's orders (their ids)."""
        erased = await self.session.execute(
            update(OrderRow).where(col(OrderRow.email) == email).values(email=None)
            .returning(col(OrderRow.id)))
        return list(erased.scalars())

    async def forget_shop(self, source: str) -> list[str]:
        """shop/redact: every shopper's email erased from the brand's orders of that source."""
        erased = await self.session.execute(
            update(OrderRow)
            .where(col(OrderRow.source) == source, col(OrderRow.email).is_not(None))
            .values(email=None).returning(col(OrderRow.id)))
        return list(erased.scalars())

    async def price(self, product_id: str) -> PriceRow | None:
        return (await self.session.execute(
            select(PriceRow).where(col(PriceRow.product_id) == product_id))).scalar_one_or_none()

    async def set_price(self, brand_id: str, product_id: str, currency: str, amount_minor: int,
                        zone_surcharges: dict[str, int]) -> PriceRow:
        values = {"currency": currency, "amount_minor": amount_minor,
                  "zone_surcharges": zone_surcharges}
        await self.session.execute(
            insert(PriceRow).values(id=new_id(), brand_id=brand_id, product_id=product_id,
                                    **values)
            .on_conflict_do_update(constraint="prices_product",
                                   set_={**values, "updated_at": func.now()}))
        row = await self.price(product_id)
        assert row is not None
        return row

    async def add_payment(self, **values: Any) -> None:
        await self.session.execute(insert(PaymentRow).values(id=new_id(), **values)
                                   .on_conflict_do_nothing(constraint="payments_external"))

    async def set_payment(self, provider: str, external_id: str, **values: Any) -> None:
        await self.session.execute(
            update(PaymentRow).where(col(PaymentRow.provider) == provider,
                                     col(PaymentRow.external_id) == external_id)
            .values(**values))
