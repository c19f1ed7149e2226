"""erasure: each email of an order knows its order, so that a shop's privacy request erases the
addresses and bodies of that shopper's emails (commerce's ``personal_data.erased``)

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
SCHEMA = "notification"


def upgrade() -> None:
    op.add_column("messages", sa.Column("order_id", sa.String(64)), schema=SCHEMA)
    op.create_index("messages_of_order", "messages", ["brand_id", "order_id"], schema=SCHEMA,
                    postgresql_where=sa.text("order_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("messages_of_order", table_name="messages", schema=SCHEMA)
    op.drop_column("messages", "order_id", schema=SCHEMA)
