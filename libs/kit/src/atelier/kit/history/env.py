from alembic import context

from atelier.kit.migrations import KIT_VERSION_TABLE, run_env
from atelier.kit.tables import kit_tables

run_env(kit_tables(context.config.attributes["schema"]).metadata, KIT_VERSION_TABLE)
