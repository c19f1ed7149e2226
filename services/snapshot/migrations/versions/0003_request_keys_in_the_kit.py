"""snapshots lose their request_key: a retried creation is answered by the kit's request keys
(every rpc command's, ``atelier.kit.tables``), not by a column of the snapshot

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
SCHEMA = "snapshot"


def _guard_without(column: str, restore_before: str | None = None) -> str:
    """The immutability guard of 0001, its list of frozen columns edited in place (the function
    is PostgreSQL's own text, so nothing here repeats its body)."""
    edit = (f"replace(replace(body, 'NEW.{column}, ', ''), 'OLD.{column}, ', '')"
            if restore_before is None else
            f"replace(replace(body, 'NEW.{restore_before}', 'NEW.{column}, NEW.{restore_before}'),"
            f" 'OLD.{restore_before}', 'OLD.{column}, OLD.{restore_before}')")
    return f"""
DO $$
DECLARE body text := pg_get_functiondef('{SCHEMA}.snapshots_guard()'::regprocedure);
BEGIN
    EXECUTE {edit};
END $$"""


def upgrade() -> None:
    op.execute(_guard_without("request_key"))
    op.drop_constraint("snapshots_request_key", "snapshots", schema=SCHEMA)
    op.drop_column("snapshots", "request_key", schema=SCHEMA)


def downgrade() -> None:
    op.add_column("snapshots", sa.Column("request_key", sa.String(255), nullable=True),
                  schema=SCHEMA)
    op.create_unique_constraint("snapshots_request_key", "snapshots", ["brand_id", "request_key"],
                                schema=SCHEMA)
    op.execute(_guard_without("request_key", restore_before="provenance"))
