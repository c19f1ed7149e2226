"""word rules: review entries, default lists, removed default entries, substitutions, message

A brand's existing entries stay in ``blocked`` and keep blocking; from this version on they
match whole words (before, anywhere inside a word: "ass" refused "Classic"), which is the point
of the change; a brand that wants in-word matching writes ``*ass*``. Existing brands get every
digit and symbol substitution (as before) and no default list.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0005"
down_revision = "0004"
SCHEMA = "personalization"
ALL_SUBSTITUTIONS = "'{4=a,3=e,0=o,1=i,5=s,7=t,!=i,$=s,@=a}'"
LISTS = ("review", "defaults", "removed")


def upgrade() -> None:
    for name in LISTS:
        op.add_column("word_lists", sa.Column(name, ARRAY(sa.Text), nullable=False,
                                              server_default="{}"), schema=SCHEMA)
    op.add_column("word_lists", sa.Column("substitutions", ARRAY(sa.Text), nullable=False,
                                          server_default=sa.text(ALL_SUBSTITUTIONS)),
                  schema=SCHEMA)
    op.add_column("word_lists", sa.Column("message", sa.Text, nullable=True), schema=SCHEMA)


def downgrade() -> None:
    for name in (*LISTS, "substitutions", "message"):
        op.drop_column("word_lists", name, schema=SCHEMA)
