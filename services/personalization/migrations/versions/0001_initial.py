"""products, templates (insert-only in the database), fonts, word lists

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0001"
down_revision = None
SCHEMA = "personalization"

# A published template version is what specs and snapshots point at: it can never change,
# whoever holds a connection. TRUNCATE skips row triggers, hence the statement-level one.
INSERT_ONLY = (
    f"""
CREATE FUNCTION {SCHEMA}.templates_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published templates are immutable: % refused (publish a new version)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$
""",
    f"""
CREATE TRIGGER templates_immutable BEFORE UPDATE OR DELETE ON {SCHEMA}.templates
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.templates_immutable()
""",
    f"""
CREATE TRIGGER templates_not_truncated BEFORE TRUNCATE ON {SCHEMA}.templates
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.templates_immutable()
""",
)


def created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("current_template_version", sa.Integer, nullable=False),
        created_at(),
        schema=SCHEMA,
    )
    op.create_table(
        "templates",
        sa.Column("product_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.products.id"),
                  primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("zones", JSONB, nullable=False),
        created_at("published_at"),
        schema=SCHEMA,
    )
    for statement in INSERT_ONLY:  # asyncpg runs one statement at a time
        op.execute(statement)
    op.create_table(
        "fonts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("family", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        created_at(),
        sa.UniqueConstraint("brand_id", "sha256", name="fonts_brand_sha256"),
        schema=SCHEMA,
    )
    op.create_table(
        "word_lists",
        sa.Column("brand_id", sa.String(64), primary_key=True),
        sa.Column("blocked", ARRAY(sa.Text), nullable=False),
        sa.Column("allowed", ARRAY(sa.Text), nullable=False),
        created_at("updated_at"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("word_lists", schema=SCHEMA)
    op.drop_table("fonts", schema=SCHEMA)
    op.drop_table("templates", schema=SCHEMA)  # drops its triggers too
    op.execute(f"DROP FUNCTION {SCHEMA}.templates_immutable()")
    op.drop_table("products", schema=SCHEMA)
