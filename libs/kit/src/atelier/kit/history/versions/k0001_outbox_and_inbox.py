"""outbox and inbox, as every service's own first migrations created them before the kit owned
them: created here when missing, adopted as they are when a service's history made them

Revision ID: k0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import kit_schema

revision = "k0001"
down_revision = None


def upgrade() -> None:
    schema = kit_schema()
    tables = sa.inspect(op.get_bind()).get_table_names(schema=schema)
    if "outbox" not in tables:
        op.create_table(
            "outbox",
            sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
            sa.Column("message_id", sa.String(64), nullable=False, unique=True),
            sa.Column("subject", sa.String(255), nullable=False),
            sa.Column("payload", sa.LargeBinary, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                      server_default=sa.func.now()),
            sa.Column("published_at", sa.DateTime(timezone=True)),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_error", sa.Text),
            sa.Column("trace_headers", JSONB, nullable=False, server_default="{}"),
            schema=schema,
        )
        op.create_index("outbox_unpublished", "outbox", ["seq"], schema=schema,
                        postgresql_where=sa.text("published_at IS NULL"))
    if "inbox" not in tables:
        op.create_table(
            "inbox",
            sa.Column("consumer", sa.String(128), nullable=False),
            sa.Column("message_id", sa.String(64), nullable=False),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False,
                      server_default=sa.func.now()),
            sa.PrimaryKeyConstraint("consumer", "message_id"),
            schema=schema,
        )
    # a service migrated before its revision 0002 has no index by age yet
    op.create_index("inbox_received_at", "inbox", ["received_at"], schema=schema,
                    if_not_exists=True)


def downgrade() -> None:
    schema = kit_schema()
    op.drop_table("inbox", schema=schema)
    op.drop_table("outbox", schema=schema)
