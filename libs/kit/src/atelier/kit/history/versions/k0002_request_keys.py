"""request keys: the first answer of a mutating rpc call, replayed to its retries; a brand's
keys walled off from the others' (row-level security, as every tenant table)

Revision ID: k0002
"""

import sqlalchemy as sa
from alembic import op

from atelier.kit.migrations import brand_isolation, kit_schema

revision = "k0002"
down_revision = "k0001"


def upgrade() -> None:
    schema = kit_schema()
    op.create_table(
        "request_keys",
        sa.Column("method", sa.String(255), nullable=False),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("request_key", sa.String(255), nullable=False),
        sa.Column("reply", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("method", "brand_id", "request_key"),
        schema=schema,
    )
    op.create_index("request_keys_created_at", "request_keys", ["created_at"], schema=schema)
    wall, _ = brand_isolation(schema, "request_keys")
    wall()


def downgrade() -> None:
    op.drop_table("request_keys", schema=kit_schema())
