"""prices (a product's, with surcharges per personalization zone used)

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0006"
down_revision = "0005"
SCHEMA = "commerce"
_isolate, _share = brand_isolation(SCHEMA, "prices")


def upgrade() -> None:
    op.create_table(
        "prices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("zone_surcharges", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.UniqueConstraint("brand_id", "product_id", name="prices_product"),
        sa.CheckConstraint("amount_minor >= 0", name="prices_amount_minor"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="prices_currency"),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _share()
    op.drop_table("prices", schema=SCHEMA)
