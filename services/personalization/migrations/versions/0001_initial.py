"""products, templates, outbox, inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
SCHEMA = "personalization"


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("current_template_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "templates",
        sa.Column("product_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.products.id"),
                  primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("zones", JSONB, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("templates", schema=SCHEMA)
    op.drop_table("products", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("inbox", schema=SCHEMA)
