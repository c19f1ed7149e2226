"""outbox, inbox

Revision ID: 0001
"""

from alembic import op

from atelier.kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
SCHEMA = "manufacturing"


def upgrade() -> None:
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("inbox", schema=SCHEMA)
