"""work orders made from a snapshot with an output profile, with or without an order; their
state's reason; one bundle per work order, replaced when it is made again

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
SCHEMA = "manufacturing"


def upgrade() -> None:
    for column in ("order_id", "order_item_id"):
        op.alter_column("work_orders", column, nullable=True, schema=SCHEMA)
    op.add_column("work_orders", sa.Column("spec_hash", sa.String(64), nullable=False,
                                           server_default=""), schema=SCHEMA)
    op.add_column("work_orders", sa.Column("sku", sa.String(64)), schema=SCHEMA)
    op.add_column("work_orders", sa.Column("profile", JSONB, nullable=False,
                                           server_default="{}"), schema=SCHEMA)
    op.add_column("work_orders", sa.Column("reason", sa.Text()), schema=SCHEMA)
    op.add_column("bundles", sa.Column("name", sa.String(255), nullable=False,
                                       server_default=""), schema=SCHEMA)
    op.add_column("bundles", sa.Column("sha256", sa.String(64), nullable=False,
                                       server_default=""), schema=SCHEMA)
    op.add_column("bundles", sa.Column("size", sa.BigInteger(), nullable=False,
                                       server_default="0"), schema=SCHEMA)
    _index_work_order(unique=True)


def downgrade() -> None:
    _index_work_order(unique=False)
    for column in ("size", "sha256", "name"):
        op.drop_column("bundles", column, schema=SCHEMA)
    for column in ("reason", "profile", "sku", "spec_hash"):
        op.drop_column("work_orders", column, schema=SCHEMA)
    op.execute(f"DELETE FROM {SCHEMA}.bundles WHERE work_order_id IN (SELECT id FROM "
               f"{SCHEMA}.work_orders WHERE order_id IS NULL OR order_item_id IS NULL)")
    op.execute(f"DELETE FROM {SCHEMA}.work_orders WHERE order_id IS NULL OR "
               "order_item_id IS NULL")
    for column in ("order_id", "order_item_id"):
        op.alter_column("work_orders", column, nullable=False, schema=SCHEMA)


def _index_work_order(unique: bool) -> None:
    index = "ix_manufacturing_bundles_work_order_id"
    op.drop_index(index, table_name="bundles", schema=SCHEMA)
    op.create_index(index, "bundles", ["work_order_id"], unique=unique, schema=SCHEMA)
