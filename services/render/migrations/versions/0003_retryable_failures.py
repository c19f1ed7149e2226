"""failures the render gave up on after transient faults: retried by the next request

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("render_results", sa.Column("retryable", sa.Boolean(), nullable=False,
                                              server_default=sa.false()), schema="render")


def downgrade() -> None:
    op.drop_column("render_results", "retryable", schema="render")
