"""views of a template (JSONB; NULL for versions published before views), product photos

A template published before views existed keeps NULL: it is read with its zones stacked on one
view (``atelier.personalization.domain.placed``), as its previews were drawn.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0004"
down_revision = "0003"
SCHEMA = "personalization"
isolate, release = brand_isolation(SCHEMA, "photos")


def upgrade() -> None:
    op.add_column("templates", sa.Column("views", JSONB, nullable=True), schema=SCHEMA)
    op.create_table(
        "photos",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("width_px", sa.Integer, nullable=False),
        sa.Column("height_px", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    isolate()


def downgrade() -> None:
    release()
    op.drop_table("photos", schema=SCHEMA)
    op.drop_column("templates", "views", schema=SCHEMA)
