"""The composition root: the app and the tests build the service here."""

from atelier.kit.delivery import Units
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.manufacturing import domain, models, subscribers
from atelier.manufacturing.repository import ManufacturingRepository
from atelier.manufacturing.settings import ManufacturingSettings
from atelier.typeset.pinned import PinnedFonts


def bootstrap(settings: ManufacturingSettings, store: ObjectStore | None = None,
              units: Units | None = None) -> Runtime:
    """``units``: the units of work to use instead of Postgres's (tests give fakes)."""
    store = store or store_from_settings(settings)
    runtime = Runtime(settings, store=store, repository=ManufacturingRepository, units=units)
    # a bundle is stored before its row commits: one whose job then failed for good is an
    # orphan, deleted once past the grace period
    bundles = models.BundleRow.__table__  # type: ignore[attr-defined]
    runtime.sweep_orphans(domain.BUNDLES, bundles.c.object_key)
    subscribers.register(runtime, settings, store, PinnedFonts(store.get))
    return runtime
