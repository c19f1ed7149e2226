"""orders: the shopper's locale (the language of the emails about the order)

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
SCHEMA = "commerce"


def upgrade() -> None:
    op.add_column("orders", sa.Column("locale", sa.String(35)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("orders", "locale", schema=SCHEMA)
