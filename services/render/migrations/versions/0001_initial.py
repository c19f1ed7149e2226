"""render results

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
SCHEMA = "render"
READY_HAS_OBJECT = (
    "status <> 'ready' OR (object_key IS NOT NULL AND content_type IS NOT NULL"
    " AND width_px IS NOT NULL AND height_px IS NOT NULL AND rendered_at IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "render_results",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("spec_hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("object_key", sa.String(255)),
        sa.Column("content_type", sa.String(64)),
        sa.Column("width_px", sa.Integer),
        sa.Column("height_px", sa.Integer),
        sa.Column("reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("rendered_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'ready', 'failed')",
                           name="render_results_status"),
        sa.CheckConstraint(READY_HAS_OBJECT, name="render_results_ready_has_object"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("render_results", schema=SCHEMA)
