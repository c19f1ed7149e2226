"""The composition root: the app and the tests build the service here."""

from atelier.kit.delivery import Units
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.render import subscribers
from atelier.render.mockup import MAX_PHOTO_SIDE_PX
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
    subscribers.register(runtime, store, PinnedFonts(store.get),
                         Photos(store, MAX_PHOTO_SIDE_PX))
    return runtime
