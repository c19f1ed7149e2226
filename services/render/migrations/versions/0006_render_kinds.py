"""render results per kind and variant: a spec has mockups per view, thumbnails and zone
textures, each its own row keyed (brand, spec_hash, kind, variant). Rows from before keep kind
``preview`` (the first view's mockup) and an empty variant; their objects keep their keys.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
SCHEMA = "render"


def upgrade() -> None:
    op.add_column("render_results", sa.Column("variant", sa.String(96), nullable=False,
                                              server_default=""), schema=SCHEMA)
    op.drop_constraint("render_results_pkey", "render_results", schema=SCHEMA)
    op.create_primary_key("render_results_pkey", "render_results",
                          ["brand_id", "spec_hash", "kind", "variant"], schema=SCHEMA)


def downgrade() -> None:
    op.execute(f"DELETE FROM {SCHEMA}.render_results WHERE variant <> ''")
    op.drop_constraint("render_results_pkey", "render_results", schema=SCHEMA)
    op.create_primary_key("render_results_pkey", "render_results",
                          ["brand_id", "spec_hash", "kind"], schema=SCHEMA)
    op.drop_column("render_results", "variant", schema=SCHEMA)
