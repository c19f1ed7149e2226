"""snapshots (immutable, with their lifecycle enforced in the database)

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
SCHEMA = "snapshot"

# A snapshot is what an order item points at, so the database itself guards it, whoever holds a
# connection: no row is deleted; the design columns never change; the only updates are the
# lifecycle transitions created→validated, created→locked and validated→locked, each stamping
# its who/when in the same statement; and a locked row never changes again. TRUNCATE skips row
# triggers, hence the statement-level one.
GUARD = (
    f"""
CREATE FUNCTION {SCHEMA}.snapshots_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'snapshots are immutable: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'created'
           OR num_nonnulls(NEW.validated_at, NEW.validated_by, NEW.locked_at, NEW.locked_by,
                           NEW.lock_reason) > 0 THEN
            RAISE EXCEPTION 'a snapshot is inserted as created, with no validation or lock'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'locked' THEN
        RAISE EXCEPTION 'snapshot % is locked: it can never change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.brand_id, NEW.product_id, NEW.spec_hash, NEW.template_version, NEW.spec,
        NEW.request_key, NEW.provenance, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.brand_id, OLD.product_id, OLD.spec_hash, OLD.template_version, OLD.spec,
        OLD.request_key, OLD.provenance, OLD.created_at) THEN
        RAISE EXCEPTION 'snapshot % is immutable: only its lifecycle may change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'created' AND NEW.status = 'validated' THEN
        IF NEW.validated_at IS NULL OR NEW.validated_by IS NULL
           OR num_nonnulls(NEW.locked_at, NEW.locked_by, NEW.lock_reason) > 0 THEN
            RAISE EXCEPTION 'validating snapshot % sets validated_at and validated_by, '
                            'and nothing of a lock', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    ELSIF OLD.status IN ('created', 'validated') AND NEW.status = 'locked' THEN
        IF NEW.locked_at IS NULL OR NEW.locked_by IS NULL OR NEW.lock_reason IS NULL
           OR (NEW.validated_at, NEW.validated_by)
              IS DISTINCT FROM (OLD.validated_at, OLD.validated_by) THEN
            RAISE EXCEPTION 'locking snapshot % sets locked_at, locked_by and lock_reason, '
                            'and leaves its validation as it was', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    ELSE
        RAISE EXCEPTION 'snapshot %: % -> % is not a transition of its lifecycle',
                        OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$
""",
    f"""
CREATE TRIGGER snapshots_guard BEFORE INSERT OR UPDATE OR DELETE ON {SCHEMA}.snapshots
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.snapshots_guard()
""",
    f"""
CREATE TRIGGER snapshots_not_truncated BEFORE TRUNCATE ON {SCHEMA}.snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.snapshots_guard()
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
        sa.Column("request_key", sa.String(255), nullable=True),
        sa.Column("provenance", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validated_by", sa.String(200), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(200), nullable=True),
        sa.Column("lock_reason", sa.String(500), nullable=True),
        sa.UniqueConstraint("brand_id", "request_key", name="snapshots_request_key"),
        sa.CheckConstraint("status IN ('created', 'validated', 'locked')",
                           name="snapshots_status"),
        schema=SCHEMA,
    )
    for statement in GUARD:  # asyncpg runs one statement at a time
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("snapshots", schema=SCHEMA)  # drops its triggers too
    op.execute(f"DROP FUNCTION {SCHEMA}.snapshots_guard()")
