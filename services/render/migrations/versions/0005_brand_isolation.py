"""row-level security: a brand's rows only in its own transactions

Tables: render results.

Revision ID: 0005
"""

from atelier.kit.migrations import brand_isolation

revision = "0005"
down_revision = "0004"
upgrade, downgrade = brand_isolation("render", "render_results")
