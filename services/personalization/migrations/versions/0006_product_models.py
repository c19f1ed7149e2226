"""3D models of products: a template's model (JSONB; NULL: none), and the GLBs brands uploaded

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0006"
down_revision = "0005"
SCHEMA = "personalization"
isolate, release = brand_isolation(SCHEMA, "models")


def upgrade() -> None:
    op.add_column("templates", sa.Column("model", JSONB, nullable=True), schema=SCHEMA)
    op.create_table(
        "models",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("triangles", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    isolate()


def downgrade() -> None:
    release()
    op.drop_table("models", schema=SCHEMA)
    op.drop_column("templates", "model", schema=SCHEMA)
