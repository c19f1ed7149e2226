"""The retry schedule of events: how long a consumer waits before a message comes back, and how
long the outbox relay waits before it tries a row again (DESIGN §4: schedules outlast real
outages, 15 minutes and more, before a message is dead-lettered or a row parked)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``attempts`` tries in all, spaced by a wait doubling from ``base_s`` up to ``cap_s``."""

    base_s: float
    cap_s: float
    attempts: int

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failed attempt (1 for the first)."""
        return min(self.base_s * 2 ** max(failures - 1, 0), self.cap_s)

    def schedule(self) -> list[float]:
        """Every wait between the first attempt and the last: its sum is how long a fault may
        last before the message is given up on."""
        return [self.delay(failures) for failures in range(1, self.attempts)]
