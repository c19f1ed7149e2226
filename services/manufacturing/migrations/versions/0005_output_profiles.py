"""a brand's own output profiles, and the profile of each of its products

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0005"
down_revision = "0004"
SCHEMA = "manufacturing"
_isolate, _open = brand_isolation(SCHEMA, "output_profiles", "product_profiles")


def upgrade() -> None:
    op.create_table(
        "output_profiles",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("profile", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "product_profiles",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _open()
    for table in ("product_profiles", "output_profiles"):
        op.drop_table(table, schema=SCHEMA)
