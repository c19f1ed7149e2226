"""row-level security: a brand's rows only in its own transactions

Tables: snapshots.

Revision ID: 0004
"""

from atelier.kit.migrations import brand_isolation

revision = "0004"
down_revision = "0003"
upgrade, downgrade = brand_isolation("snapshot", "snapshots")
