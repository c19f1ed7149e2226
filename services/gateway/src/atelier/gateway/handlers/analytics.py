"""The widget's analytics: batches handed on to personalization, which stores and counts them."""

from datetime import datetime, timedelta

from atelier.contracts.analytics import Funnel, GetFunnel, WidgetEventBatch, WidgetEventsReceived
from atelier.contracts.catalog import FUNNEL, WIDGET_EVENTS_RECEIVED
from atelier.contracts.envelope import utcnow
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.kit.runtime import Runtime

DEFAULT_WINDOW = timedelta(days=30)


async def record_events(runtime: Runtime, caller: Caller, batch: WidgetEventBatch) -> int:
    """Accept a batch: through the gateway's outbox, so that the answer (202) never outruns a
    batch that could still be lost, and the widget's path never waits for the service that
    stores it (personalization may be busy validating, or away)."""
    received = WidgetEventsReceived(events=batch.events, received_at=utcnow())
    async with runtime.uow() as uow:
        uow.emit(WIDGET_EVENTS_RECEIVED, received, brand_id=caller.brand_id)
        await uow.commit()
    return len(batch.events)


async def funnel(runtime: Runtime, caller: Caller, product_id: str | None,
                 since: datetime | None, until: datetime | None) -> Funnel:
    """The brand's funnel in a window: by default the 30 days up to now (or up to ``until``)."""
    until = until or utcnow()
    if since is None:
        try:
            since = until - DEFAULT_WINDOW
        except OverflowError:  # until in the year 1: GetFunnel says which years it takes
            since = until
    query = command(GetFunnel, product_id=product_id, since=since, until=until)
    return await call(runtime, caller, FUNNEL, query)
