"""The composition root: the app and the tests build the service here."""

from datetime import timedelta

from atelier.kit.delivery import Units
from atelier.kit.housekeeping import Purge
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.personalization import models, subscribers
from atelier.personalization.catalog import Catalog
from atelier.personalization.repository import PersonalizationRepository
from atelier.personalization.settings import PersonalizationSettings
from atelier.typeset.pinned import PinnedFonts


def bootstrap(
    settings: PersonalizationSettings, store: ObjectStore | None = None,
    units: Units | None = None,
) -> Runtime:
    """``store``: where the gateway puts uploaded fonts; ``units``: the units of work to use
    instead of Postgres's (tests give fakes)."""
    store = store or store_from_settings(settings)
    runtime = Runtime(settings, store=store, repository=PersonalizationRepository, units=units)
    # a font or photo the gateway stored but this service never recorded (down, or refusing it
    # after all): an orphan, deleted once past the grace period
    for prefix, key in models.stored_objects().items():
        runtime.sweep_orphans(prefix, key)
    events = models.WidgetEventRow.__table__  # type: ignore[attr-defined]
    runtime.housekeeping.add(Purge(events, events.c.received_at,
                                   timedelta(days=settings.analytics_retention_days)))
    fonts = PinnedFonts(store.get)
    subscribers.register(runtime, Catalog(runtime.uow, fonts, settings), fonts, store, settings)
    return runtime
