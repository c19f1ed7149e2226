"""row-level security: a brand's rows only in its own transactions

Tables: brands (by their id), API keys and Idempotency-Keys.

Revision ID: 0003
"""

from atelier.kit.migrations import brand_isolation

revision = "0003"
down_revision = "0002"
upgrade, downgrade = brand_isolation("gateway", "api_keys", "idempotency_keys", brands="id")
