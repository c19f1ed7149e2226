"""The composition root: the app and the tests build the service here."""

from atelier.kit.delivery import Units
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.render import domain, models, subscribers
from atelier.render.photos import Photos
from atelier.render.repository import RenderRepository
from atelier.render.settings import RenderSettings
from atelier.typeset.pinned import PinnedFonts


def bootstrap(
    settings: RenderSettings, store: ObjectStore | None = None, units: Units | None = None
) -> Runtime:
    """``units``: the units of work to use instead of Postgres's (tests give fakes)."""
    store = store or store_from_settings(settings)
    runtime = Runtime(settings, store=store, repository=RenderRepository, units=units)
    # an output is stored before its row commits: one whose job then failed for good is an
    # orphan (the same design drawn again writes it anew), deleted once past the grace period
    results = models.RenderResult.__table__  # type: ignore[attr-defined]
    runtime.sweep_orphans(domain.RENDERS, results.c.object_key)
    subscribers.register(runtime, settings, store, PinnedFonts(store.get),
                         Photos(store))
    return runtime
