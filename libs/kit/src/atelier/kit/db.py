"""Async database access: sqlmodel sessions on asyncpg, one Postgres schema per service.

Row-level security is the second wall between brands (DESIGN §8): every tenant table admits only
the rows of the brand its transaction is set to (policies of ``atelier.kit.migrations.
brand_isolation``), and a service connects as a role that does not own its tables, so the
policies hold for it. Every transaction of a ``Database`` session is set to the brand of the
work in hand (``context.brand_id``, set from the message's envelope or the caller's key) before
its first statement, so no query can forget it; a query that forgets its brand filter sees
nothing of another brand.
"""

import socket
from typing import Any

import asyncpg
import sqlalchemy.exc
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction

from atelier.kit import context
from atelier.kit.settings import ServiceSettings

BRAND_SETTING = "atelier.brand_id"  # the brand whose rows a transaction sees and writes
ALL_BRANDS_SETTING = "atelier.all_brands"  # 'on': the transaction reads every brand's rows


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq/asyncpg DSN."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def refused_value(exc: BaseException) -> asyncpg.exceptions.DataError | None:
    """PostgreSQL's refusal of a value as such, when that is what ``exc`` is: SQLSTATE class 22,
    "data exception" (a NUL in a string, a number out of its column's range), raised by asyncpg
    and wrapped or not by SQLAlchemy. The same value is refused every time: the input is at
    fault, not the database."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, asyncpg.exceptions.DataError):
            return cause
        cause = cause.__cause__
    return None


# The database out of reach for a moment, not a fault of the request or of the code: the server
# down or restarting (refused, reset, shutting down), at its connection limit (SQLSTATE 53300),
# the pool exhausted. Answered 503 with Retry-After; anything else stays a 500.
_UNREACHABLE = (ConnectionError, socket.gaierror, TimeoutError, asyncpg.PostgresConnectionError,
                asyncpg.exceptions.InsufficientResourcesError,
                asyncpg.exceptions.OperatorInterventionError, sqlalchemy.exc.TimeoutError)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is the database out of reach (``_UNREACHABLE``)."""
    seen: BaseException | None = exc
    for _ in range(8):  # sqlalchemy's error, the dialect's, asyncpg's: a short chain
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        if isinstance(seen, sqlalchemy.exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def service_database_url(settings: ServiceSettings) -> str:
    """Where the service's processes connect: ``database_url`` as the service's own role (the
    owner's ``database_url`` serves ``setup`` only), or as its own user when no role is set."""
    if not settings.database_role:
        return settings.database_url
    url, password = make_url(settings.database_url), settings.database_role_password
    return URL.create(
        url.drivername, settings.database_role,
        password.get_secret_value() if password is not None else None,  # never the owner's
        url.host, url.port, url.database, url.query,
    ).render_as_string(hide_password=False)


class BrandScopedSession(Session):
    """A session whose transactions see one brand's rows (see ``_scope_transaction``)."""


@event.listens_for(BrandScopedSession, "after_begin")
def _scope_transaction(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    """Set the transaction's brand, once, on the connection it begins on: a session that never
    touches the database costs nothing. The settings are transaction-local (``set_config(...,
    true)``), so a pooled connection never carries them to someone else's transaction."""
    brand_id = session.info.get("brand_id") or context.brand_id.get()
    across_brands = bool(session.info.get("across_brands"))
    if brand_id is None and not across_brands:
        return  # no brand: the policies admit no tenant row, and there is nothing to set
    connection.execute(
        text(f"SELECT set_config('{BRAND_SETTING}', :brand, true), "
             f"set_config('{ALL_BRANDS_SETTING}', :all, true)"),
        {"brand": brand_id or "", "all": "on" if across_brands else "off"},
    )


class Database:
    def __init__(self, url: str, schema: str, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": schema}},
        )
        self.sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, sync_session_class=BrandScopedSession,
            expire_on_commit=False,
        )

    def session(self, *, brand_id: str | None = None, across_brands: bool = False) -> AsyncSession:
        """A session on ``brand_id``'s rows (by default the brand of the work in hand,
        ``context.brand_id``: what ``sessions()`` gives).

        ``across_brands=True`` is THE way, and the only one, to read or delete the rows of every
        brand, for the few operations that must (finding an API key by its hash, which is how
        the brand is learned; housekeeping's purges by age). The policies admit it because the
        threat they wall off is a query that forgets its brand filter, not a caller who can run
        any SQL as the service (who could set any brand just as well): an opt-in in the code,
        to grep for and review, is what it takes. Writes always need their brand: a row is
        written only in its own brand's transaction (or, without a brand at all, a row that
        belongs to no brand yet, across brands)."""
        info: dict[str, Any] = {"brand_id": brand_id, "across_brands": across_brands}
        return self.sessions(info=info)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
