"""The composition root: the app and the tests build the service here."""

from atelier.kit.runtime import Runtime
from atelier.kit.storage import store_from_settings
from atelier.personalization import subscribers
from atelier.personalization.catalog import Catalog
from atelier.personalization.settings import PersonalizationSettings


def bootstrap(settings: PersonalizationSettings) -> Runtime:
    store = store_from_settings(settings)  # where the gateway puts uploaded fonts
    runtime = Runtime(settings, store=store)
    subscribers.register(runtime, Catalog(runtime.db, store, settings), store, settings)
    return runtime
