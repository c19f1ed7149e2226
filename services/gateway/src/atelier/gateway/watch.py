"""The renders the widget is waiting for, told as they settle: the gateway hears render's
completion and failure events on core NATS (``Bus.listen``: every replica hears every event, no
durable consumer, no database write) and wakes the server-sent event streams waiting on that
brand's design."""

import asyncio
from collections import defaultdict

from atelier.contracts import Envelope
from atelier.contracts.catalog import RENDER_COMPLETED, RENDER_FAILED
from atelier.kit.broker import Bus


class RenderWatch:
    def __init__(self) -> None:
        self._waiting: defaultdict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)

    def listen(self, bus: Bus) -> None:
        bus.listen(RENDER_COMPLETED, self._heard)
        bus.listen(RENDER_FAILED, self._heard)

    async def _heard(self, envelope: Envelope) -> None:
        for woken in self._waiting.get((envelope.brand_id or "", envelope.data.spec_hash), ()):
            woken.set()

    def watch(self, brand_id: str, spec_hash: str) -> asyncio.Event:
        """An event set whenever a render of the brand's design settles; ``forget`` it after."""
        woken = asyncio.Event()
        self._waiting[brand_id, spec_hash].add(woken)
        return woken

    def forget(self, brand_id: str, spec_hash: str, woken: asyncio.Event) -> None:
        waiting = self._waiting.get((brand_id, spec_hash))
        if waiting is not None:
            waiting.discard(woken)
            if not waiting:
                del self._waiting[brand_id, spec_hash]
