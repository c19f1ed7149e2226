"""the widget's analytics events, per brand, indexed for the funnel

The funnel reads a brand's events (of one product, or of all) received in a window, and only
their session and name: both indexes cover that (index-only scans). Housekeeping deletes by age
across brands: the rows arrive in time order, so a BRIN index on ``received_at`` finds the old
ones for almost nothing on each insert.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import brand_isolation

revision = "0007"
down_revision = "0006"
SCHEMA = "personalization"
NAMES = ("widget_loaded", "preview_requested", "preview_ready", "snapshot_created",
         "add_to_cart_clicked", "validation_failed")
isolate, release = brand_isolation(SCHEMA, "widget_events")


def upgrade() -> None:
    op.create_table(
        "widget_events",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("props", JSONB, nullable=False, server_default="{}"),
        sa.CheckConstraint("name IN (" + ", ".join(f"'{n}'" for n in NAMES) + ")",
                           name="widget_events_name"),
        schema=SCHEMA,
    )
    op.create_index("widget_events_product_funnel", "widget_events",
                    ["brand_id", "product_id", "received_at"],
                    postgresql_include=["session_id", "name"], schema=SCHEMA)
    op.create_index("widget_events_brand_funnel", "widget_events", ["brand_id", "received_at"],
                    postgresql_include=["session_id", "name"], schema=SCHEMA)
    op.create_index("widget_events_received_at", "widget_events", ["received_at"],
                    postgresql_using="brin", schema=SCHEMA)
    isolate()


def downgrade() -> None:
    release()
    op.drop_table("widget_events", schema=SCHEMA)
