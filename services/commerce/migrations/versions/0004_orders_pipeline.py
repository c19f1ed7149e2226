"""orders as shops sell them: names, lines with their products, snapshots, status and hold
reason, the timeline; money in minor units (the columns said cents, which a yen has not)

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0004"
down_revision = "0003"
SCHEMA = "commerce"
_isolate, _share = brand_isolation(SCHEMA, "order_events")
_RENAMED = (("orders", "total"), ("order_items", "unit_price"), ("payments", "amount"))


def upgrade() -> None:
    for table, money in _RENAMED:
        op.drop_constraint(f"{table}_{money}_cents", table, schema=SCHEMA)
        op.alter_column(table, f"{money}_cents", new_column_name=f"{money}_minor", schema=SCHEMA)
        op.create_check_constraint(f"{table}_{money}_minor", table, f"{money}_minor >= 0",
                                   schema=SCHEMA)
    op.add_column("orders", sa.Column("name", sa.String(255)), schema=SCHEMA)
    op.add_column("orders", sa.Column("email", sa.String(320)), schema=SCHEMA)
    op.create_index("orders_listing", "orders", ["brand_id", "status", "created_at"],
                    schema=SCHEMA)
    for column in (
        sa.Column("line_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("sku", sa.String(255)),
        sa.Column("external_product_id", sa.String(255)),
        sa.Column("product_id", sa.String(64)),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("hold_reason", sa.String(1000)),
        sa.Column("properties", JSONB, nullable=False),
    ):
        op.add_column("order_items", column, schema=SCHEMA)
    op.create_unique_constraint("order_items_line", "order_items", ["order_id", "line_id"],
                                schema=SCHEMA)
    op.create_table(
        "order_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.orders.id"),
                  nullable=False, index=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(2000)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _share()
    op.drop_table("order_events", schema=SCHEMA)
    op.drop_constraint("order_items_line", "order_items", schema=SCHEMA)
    for name in ("line_id", "title", "sku", "external_product_id", "product_id", "total_minor",
                 "status", "hold_reason", "properties"):
        op.drop_column("order_items", name, schema=SCHEMA)
    op.drop_index("orders_listing", "orders", schema=SCHEMA)
    op.drop_column("orders", "email", schema=SCHEMA)
    op.drop_column("orders", "name", schema=SCHEMA)
    for table, money in _RENAMED:
        op.drop_constraint(f"{table}_{money}_minor", table, schema=SCHEMA)
        op.alter_column(table, f"{money}_minor", new_column_name=f"{money}_cents", schema=SCHEMA)
        op.create_check_constraint(f"{table}_{money}_cents", table, f"{money}_cents >= 0",
                                   schema=SCHEMA)
