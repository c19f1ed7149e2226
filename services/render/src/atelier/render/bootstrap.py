"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.render import subscribers
from atelier.render.fonts import PinnedFonts
from atelier.render.settings import RenderSettings


def bootstrap(settings: RenderSettings, store: ObjectStore | None = None) -> Runtime:
    store = store or store_from_settings(settings)
    runtime = Runtime(settings, store=store)
    subscribers.register(runtime, store, PinnedFonts(store))
    return runtime
