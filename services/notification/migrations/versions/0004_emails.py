"""emails: each brand's settings, the sent log keyed by (event, template, recipient) that is
also the delivery queue (the first messages table was never written), the suppression list

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0004"
down_revision = "0003"
SCHEMA = "notification"
STATUSES = ("pending", "sending", "sent", "failed", "suppressed", "unknown")
_isolate, _share = brand_isolation(SCHEMA, "messages", "email_settings", "suppressions")


def _instant(name: str, nullable: bool = True, now: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.func.now() if now else None)


def upgrade() -> None:
    op.drop_table("messages", schema=SCHEMA)
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("mime", sa.LargeBinary()),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _instant("next_attempt_at", now=True),
        _instant("claimed_at"),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("correlation_id", sa.String(64), nullable=False, index=True),
        _instant("created_at", nullable=False, now=True),
        _instant("sent_at"),
        sa.UniqueConstraint("event_id", "template", "recipient", name="messages_once"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="messages_status"),
        sa.CheckConstraint("delivery IN ('at_least_once', 'at_most_once')",
                           name="messages_delivery"),
        schema=SCHEMA,
    )
    op.create_index("messages_due", "messages", ["next_attempt_at"], schema=SCHEMA,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("messages_claimed", "messages", ["claimed_at"], schema=SCHEMA,
                    postgresql_where=sa.text("status = 'sending'"))
    op.create_table(
        "email_settings",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("settings", JSONB(), nullable=False),
        _instant("updated_at", nullable=False, now=True),
        schema=SCHEMA,
    )
    op.create_table(
        "suppressions",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("reason", sa.String(16), nullable=False),
        _instant("created_at", nullable=False, now=True),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _share()
    op.drop_table("suppressions", schema=SCHEMA)
    op.drop_table("email_settings", schema=SCHEMA)
    op.drop_table("messages", schema=SCHEMA)
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False, index=True),
        _instant("created_at", nullable=False, now=True),
        _instant("sent_at"),
        schema=SCHEMA,
    )
    brand_isolation(SCHEMA, "messages")[0]()
