"""outbox: a row the broker refuses waits for its next attempt and, after the last, is parked;
the relay's index leaves parked rows out

Revision ID: k0003
"""

import sqlalchemy as sa
from alembic import op

from atelier.kit.migrations import kit_schema

revision = "k0003"
down_revision = "k0002"


def upgrade() -> None:
    schema = kit_schema()
    op.add_column("outbox", sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
                  schema=schema)
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True)), schema=schema)
    op.create_index("outbox_pending", "outbox", ["seq"], schema=schema,
                    postgresql_where=sa.text("published_at IS NULL AND parked_at IS NULL"))
    op.create_index("outbox_parked", "outbox", ["seq"], schema=schema,
                    postgresql_where=sa.text("parked_at IS NOT NULL"))
    op.drop_index("outbox_unpublished", "outbox", schema=schema)  # k0001's, or a service's own


def downgrade() -> None:
    schema = kit_schema()
    op.create_index("outbox_unpublished", "outbox", ["seq"], schema=schema,
                    postgresql_where=sa.text("published_at IS NULL"))
    op.drop_index("outbox_parked", "outbox", schema=schema)
    op.drop_index("outbox_pending", "outbox", schema=schema)
    op.drop_column("outbox", "parked_at", schema=schema)
    op.drop_column("outbox", "next_attempt_at", schema=schema)
