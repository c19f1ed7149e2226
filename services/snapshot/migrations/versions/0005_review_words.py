"""the words for review found in a snapshot's design (issue 16), frozen like its design

Snapshots created before have none (``[]``). The first migration's guard names the columns it
freezes; this one freezes ``review`` with a trigger of its own rather than a second copy of it
(named to fire before the guard: a change of review alone is refused as a frozen column).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
SCHEMA = "snapshot"

FREEZE = (
    f"""
CREATE FUNCTION {SCHEMA}.snapshots_freeze_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.review IS DISTINCT FROM OLD.review THEN
        RAISE EXCEPTION 'snapshot % is immutable: only its lifecycle may change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$
""",
    f"""
CREATE TRIGGER snapshots_freeze_review BEFORE UPDATE ON {SCHEMA}.snapshots
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.snapshots_freeze_review()
""",
)


def upgrade() -> None:
    op.add_column("snapshots", sa.Column("review", JSONB, nullable=False,
                                         server_default=sa.text("'[]'::jsonb")), schema=SCHEMA)
    for statement in FREEZE:  # asyncpg runs one statement at a time
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER snapshots_freeze_review ON {SCHEMA}.snapshots")
    op.execute(f"DROP FUNCTION {SCHEMA}.snapshots_freeze_review()")
    op.drop_column("snapshots", "review", schema=SCHEMA)
