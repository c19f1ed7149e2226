"""inbox entries by age, for housekeeping

Revision ID: 0002
"""

from atelier.kit.migrations import index_inbox_by_age

revision = "0002"
down_revision = "0001"
upgrade, downgrade = index_inbox_by_age("snapshot")
