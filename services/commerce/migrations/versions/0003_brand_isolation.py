"""row-level security: a brand's rows only in its own transactions

Tables: orders, order items, payments and product mappings.

Revision ID: 0003
"""

from atelier.kit.migrations import brand_isolation

revision = "0003"
down_revision = "0002"
upgrade, downgrade = brand_isolation(
    "commerce", "orders", "order_items", "payments", "product_mappings"
)
