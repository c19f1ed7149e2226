"""Throughput of the word rules, for ``make bench`` (``moderation.check_per_s``):
python -m atelier.personalization.rules.words.bench"""

from __future__ import annotations

import time

from atelier.contracts.personalization import DefaultList, InvisiblePolicy, WordList
from atelier.personalization.rules.blocklist import word_rules
from atelier.personalization.rules.normalize import Text, normalize

NAMES = ("Ada", "Charles", "Grace", "Alan", "Émilie", "Kurt", "Sofia", "Henri", "Zoë", "Niels")
WORDS = WordList(defaults=[DefaultList.EN, DefaultList.FR])


def designs(count: int) -> list[tuple[tuple[str, Text], ...]]:
    """``count`` three-zone designs (a title, a date, a dedication), each new, normalized as
    validation does before its word rules."""
    return [
        tuple((key, normalize(value, InvisiblePolicy.STRIP, key, key)) for key, value in (
            ("title", f"Our day {n}"),
            ("date", f"{n % 28 + 1:02d}.06.2026"),
            ("dedication", f"With love, {NAMES[n % 10]} & {NAMES[(n + 7) % 10]} {n}"),
        ))
        for n in range(count)
    ]


def checks_per_second(checks: int = 20_000) -> float:
    """Designs checked a second (every zone of each, with the English and French default lists
    on) by this process, on one core: its CPU time, so that other work on the machine does not
    count. Every design is new: the word rules remember words they have seen, and this
    measures designs they have not."""
    prepared = designs(checks)
    word_rules("title", prepared[0][0][1], WORDS)  # read the lists outside the timing
    started = time.process_time()
    for design in prepared:
        for key, text in design:
            word_rules(key, text, WORDS)
    return checks / (time.process_time() - started)


if __name__ == "__main__":
    print(f"{checks_per_second():.0f} checks/s")
