"""Rows of brands, keys and Idempotency-Keys. Every query on tenant data filters on brand_id;
the one exception is finding a key by its hash, which is how the brand is learned (the only
query the gateway runs across brands, see ``auth.Keys``)."""

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from atelier.contracts import new_id
from atelier.gateway.domain import IssuedKey
from atelier.gateway.models import ApiKeyRow, BrandRow, IdempotencyRow


async def add_brand(
    session: AsyncSession, brand_id: str, name: str, allowed_origins: list[str]
) -> BrandRow:
    brand = BrandRow(id=brand_id, name=name, allowed_origins=allowed_origins)
    session.add(brand)
    await session.flush()
    return brand


async def brand(session: AsyncSession, brand_id: str) -> BrandRow | None:
    return await session.get(BrandRow, brand_id)


async def set_allowed_origins(
    session: AsyncSession, brand_id: str, origins: list[str]
) -> BrandRow | None:
    return (await session.execute(
        update(BrandRow).where(col(BrandRow.id) == brand_id)
        .values(allowed_origins=origins).returning(BrandRow)
    )).scalar_one_or_none()


async def add_key(session: AsyncSession, brand_id: str, key: IssuedKey) -> ApiKeyRow:
    row = ApiKeyRow(
        id=new_id(), brand_id=brand_id, kind=key.kind, key_prefix=key.prefix, key_hash=key.hash
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)  # created_at, from the database
    return row


async def keys_of(session: AsyncSession, brand_id: str) -> list[ApiKeyRow]:
    rows = await session.execute(
        select(ApiKeyRow).where(col(ApiKeyRow.brand_id) == brand_id)
        .order_by(col(ApiKeyRow.created_at), col(ApiKeyRow.id))
    )
    return list(rows.scalars())


async def key_for_update(session: AsyncSession, brand_id: str, key_id: str) -> ApiKeyRow | None:
    """The brand's key, locked with the brand's other keys (a revocation counts what stays)."""
    rows = await session.execute(
        select(ApiKeyRow).where(col(ApiKeyRow.brand_id) == brand_id).with_for_update()
    )
    return next((row for row in rows.scalars() if row.id == key_id), None)


async def active_secret_keys(session: AsyncSession, brand_id: str) -> int:
    return (await session.execute(
        select(func.count()).select_from(ApiKeyRow).where(
            col(ApiKeyRow.brand_id) == brand_id, col(ApiKeyRow.kind) == "secret",
            col(ApiKeyRow.revoked_at).is_(None),
        )
    )).scalar_one()


async def revoke_key(session: AsyncSession, key: ApiKeyRow) -> ApiKeyRow:
    await session.execute(
        update(ApiKeyRow).where(col(ApiKeyRow.id) == key.id).values(revoked_at=func.now())
    )
    await session.refresh(key)
    return key


async def active_key(session: AsyncSession, key_hash: str) -> tuple[ApiKeyRow, BrandRow] | None:
    row = (
        await session.execute(
            select(ApiKeyRow, BrandRow)
            .join(BrandRow, col(BrandRow.id) == ApiKeyRow.brand_id)
            .where(col(ApiKeyRow.key_hash) == key_hash, col(ApiKeyRow.revoked_at).is_(None))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def claim_idempotency_key(
    session: AsyncSession, brand_id: str, key: str, request_hash: str, stale_after: timedelta
) -> IdempotencyRow | None:
    """Claim ``key`` for this request: None when claimed, else the earlier request's row.

    One statement, so two concurrent requests cannot both claim. A claim that never got its
    response (the process died) is taken over once it is older than ``stale_after``.
    """
    # set on every table model by SQLAlchemy; sqlmodel's type hints lack it
    t = IdempotencyRow.__table__  # type: ignore[attr-defined]
    stmt = insert(t).values(brand_id=brand_id, key=key, request_hash=request_hash)
    claim = stmt.on_conflict_do_update(
        index_elements=[t.c.brand_id, t.c.key],
        set_={"request_hash": stmt.excluded.request_hash, "created_at": func.now()},
        where=t.c.status_code.is_(None) & (t.c.created_at < func.now() - stale_after),
    ).returning(t.c.key)
    while True:  # again only if the earlier claim was released between our two statements
        if (await session.execute(claim)).first() is not None:
            return None
        earlier = (
            await session.execute(
                select(IdempotencyRow).where(
                    col(IdempotencyRow.brand_id) == brand_id, col(IdempotencyRow.key) == key
                )
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return earlier


async def store_response(
    session: AsyncSession, brand_id: str, key: str, status_code: int, body: str
) -> None:
    await session.execute(
        update(IdempotencyRow)
        .where(col(IdempotencyRow.brand_id) == brand_id, col(IdempotencyRow.key) == key)
        .values(status_code=status_code, response_body=body)
    )


async def release_idempotency_key(session: AsyncSession, brand_id: str, key: str) -> None:
    """Forget an unanswered claim, so the client may retry with the same key."""
    await session.execute(
        delete(IdempotencyRow).where(
            col(IdempotencyRow.brand_id) == brand_id,
            col(IdempotencyRow.key) == key,
            col(IdempotencyRow.status_code).is_(None),
        )
    )
