"""The composition root: the app and the tests build the service here."""

from datetime import timedelta

from atelier.kit.housekeeping import Purge
from atelier.kit.runtime import Runtime
from atelier.notification import handlers, subscribers
from atelier.notification.models import MessageRow
from atelier.notification.repository import NotificationRepository
from atelier.notification.sender import Sender, Transport
from atelier.notification.settings import NotificationSettings


def bootstrap(settings: NotificationSettings, lookups: handlers.Lookups | None = None,
              transport: Transport | None = None) -> Runtime:
    """``lookups``: the other services as the emails read them (tests give a fake); by default
    over the bus. ``transport``: how an email is handed over (by default SMTP, as set)."""
    runtime = Runtime(settings, repository=NotificationRepository)
    sender = Sender(runtime.db, settings, runtime.metrics, transport)
    runtime.add_loop("sender", sender.run)
    messages = MessageRow.__table__  # type: ignore[attr-defined]
    # the sent log is kept longer than the inbox, so that a replayed event finds its emails
    runtime.housekeeping.add(Purge(messages, messages.c.created_at,
                                   settings.message_retention_h * timedelta(hours=1)))
    deps = handlers.Deps(settings, lookups or subscribers.BusLookups(runtime), sender.wake)
    subscribers.register(runtime, deps)
    return runtime
