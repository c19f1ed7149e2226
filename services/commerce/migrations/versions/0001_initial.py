"""orders, order items, payments, product mappings

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
SCHEMA = "commerce"
ISO_CURRENCY = "currency ~ '^[A-Z]{3}$'"


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.UniqueConstraint("brand_id", "source", "external_id", name="orders_external"),
        sa.CheckConstraint("total_cents >= 0", name="orders_total_cents"),
        sa.CheckConstraint(ISO_CURRENCY, name="orders_currency"),
        schema=SCHEMA,
    )
    op.create_table(
        "order_items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.orders.id"),
                  nullable=False, index=True),
        sa.Column("snapshot_id", sa.String(64), nullable=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.CheckConstraint("quantity > 0", name="order_items_quantity"),
        sa.CheckConstraint("unit_price_cents >= 0", name="order_items_unit_price_cents"),
        sa.CheckConstraint(ISO_CURRENCY, name="order_items_currency"),
        schema=SCHEMA,
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.orders.id"),
                  nullable=False, index=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.UniqueConstraint("brand_id", "provider", "external_id", name="payments_external"),
        sa.CheckConstraint("amount_cents >= 0", name="payments_amount_cents"),
        sa.CheckConstraint(ISO_CURRENCY, name="payments_currency"),
        schema=SCHEMA,
    )
    op.create_table(
        "product_mappings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_product_id", sa.String(255), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.UniqueConstraint("brand_id", "platform", "external_product_id",
                            name="product_mappings_external"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("product_mappings", "payments", "order_items", "orders"):
        op.drop_table(table, schema=SCHEMA)
