"""render results lose their attempt counter: a render's work is one transaction now (the kit's
unit of work), so a failed attempt leaves nothing behind to count; deliveries are JetStream's,
on /metrics and in a dead letter's reason

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.drop_column("render_results", "attempts", schema="render")


def downgrade() -> None:
    op.add_column("render_results", sa.Column("attempts", sa.Integer(), nullable=False,
                                              server_default="0"), schema="render")
