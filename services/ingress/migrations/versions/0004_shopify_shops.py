"""Shopify shops connected to brands, with the secrets their webhooks are verified with

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

from atelier.kit.migrations import brand_isolation

revision = "0004"
down_revision = "0003"
SCHEMA = "ingress"
_isolate, _share = brand_isolation(SCHEMA, "shopify_shops")


def upgrade() -> None:
    op.create_table(
        "shopify_shops",
        sa.Column("shop_domain", sa.String(80), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("secret", sa.String(256), nullable=False),
        sa.Column("previous_secret", sa.String(256), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _share()
    op.drop_table("shopify_shops", schema=SCHEMA)
