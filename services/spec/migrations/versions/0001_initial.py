"""design specs

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
SCHEMA = "spec"


def upgrade() -> None:
    op.create_table(
        "design_specs",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("spec_hash", sa.String(64), primary_key=True),
        sa.Column("spec_version", sa.Integer, nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False, index=True),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("canonical_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("design_specs", schema=SCHEMA)
