"""inbox entries by age (now in the kit's own history, revision k0001: nothing left here)

Revision ID: 0002
"""

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
