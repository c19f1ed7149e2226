"""Async database access: sqlmodel sessions on asyncpg, one Postgres schema per service."""

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import SQLModel


def model_base(schema: str) -> type[SQLModel]:
    """The base class of a service's tables: its own metadata, every table in its schema."""

    class Base(SQLModel, registry=registry(metadata=MetaData(schema=schema))):
        pass

    return Base


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq/asyncpg DSN."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


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
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
