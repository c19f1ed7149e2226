"""The composition root: the app and the tests build the service here."""

from datetime import timedelta

from atelier.gateway import models
from atelier.gateway.settings import GatewaySettings
from atelier.kit.housekeeping import Purge
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings


def bootstrap(settings: GatewaySettings, store: ObjectStore | None = None) -> Runtime:
    runtime = Runtime(
        settings,
        store=store or store_from_settings(settings),
    )
    keys = models.IdempotencyRow.__table__  # type: ignore[attr-defined]
    runtime.housekeeping.add(
        Purge(keys, keys.c.created_at, timedelta(hours=settings.idempotency_retention_h))
    )
    return runtime
