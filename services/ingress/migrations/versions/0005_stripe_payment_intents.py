"""the brand of each Stripe PaymentIntent Atelier made (commerce's payment.intent_created): a
Stripe event about it without Atelier's metadata (a refunded charge) still reaches its brand

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

from atelier.kit.migrations import brand_isolation

revision = "0005"
down_revision = "0004"
SCHEMA = "ingress"
_isolate, _share = brand_isolation(SCHEMA, "stripe_payment_intents")


def upgrade() -> None:
    op.create_table(
        "stripe_payment_intents",
        sa.Column("payment_intent_id", sa.String(255), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    _isolate()


def downgrade() -> None:
    _share()
    op.drop_table("stripe_payment_intents", schema=SCHEMA)
