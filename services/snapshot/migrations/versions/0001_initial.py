"""snapshots (immutable in the database), outbox, inbox

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from atelier.kit.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
SCHEMA = "snapshot"

# A snapshot is what an order item points at: once written, nothing but its status may change,
# whoever holds a connection. TRUNCATE skips row triggers, hence the statement-level one.
IMMUTABLE = (
    f"""
CREATE FUNCTION {SCHEMA}.snapshots_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'snapshots are immutable: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.brand_id, NEW.product_id, NEW.spec_hash, NEW.template_version, NEW.spec,
        NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.brand_id, OLD.product_id, OLD.spec_hash, OLD.template_version, OLD.spec,
        OLD.created_at) THEN
        RAISE EXCEPTION 'snapshot % is immutable: only its status may change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$
""",
    f"""
CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON {SCHEMA}.snapshots
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.snapshots_immutable()
""",
    f"""
CREATE TRIGGER snapshots_not_truncated BEFORE TRUNCATE ON {SCHEMA}.snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.snapshots_immutable()
""",
)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("spec_hash", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("spec", JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('created', 'validated', 'locked')",
                           name="snapshots_status"),
        schema=SCHEMA,
    )
    for statement in IMMUTABLE:  # asyncpg runs one statement at a time
        op.execute(statement)
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("snapshots", schema=SCHEMA)  # drops its triggers too
    op.execute(f"DROP FUNCTION {SCHEMA}.snapshots_immutable()")
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("inbox", schema=SCHEMA)
