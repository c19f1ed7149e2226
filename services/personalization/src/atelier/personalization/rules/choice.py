"""Step 5 of the rules: the shopper's font, colour and size, each one the zone offers."""

from collections.abc import Collection
from dataclasses import dataclass

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import FontOption, TextZone, ZoneInput

# Sizes come from JSON numbers and float arithmetic: a hair past a bound is still on it.
SIZE_TOLERANCE_MM = 1e-9


@dataclass(frozen=True)
class Choice:
    font_id: str
    colour: str  # upper-case #RRGGBB as asked (or the zone's default)
    size_mm: float | None  # None: auto-fit
    font: FontOption | None  # None when the font is not one the zone offers
    errors: tuple[ErrorItem, ...]


def choose(zone: TextZone, given: ZoneInput, available: Collection[str]) -> Choice:
    """Resolve the defaults and check the choice. ``available`` holds the font ids the caller can
    draw with: a zone's font missing from it (a brand font since deleted) is refused like any
    font the zone does not offer, rather than failing later."""
    font_id = given.font_id or zone.fonts[0].font_id
    font = next((f for f in zone.fonts if f.font_id == font_id and font_id in available), None)
    colour = (given.colour or zone.colours[0]).upper()
    errors = []
    if font is None:
        errors.append(_font_not_allowed(zone, font_id, available))
    if colour not in {c.upper() for c in zone.colours}:
        errors.append(
            ErrorItem(
                field=zone.key,
                code=ErrorCode.COLOUR_NOT_ALLOWED,
                message=(
                    f"The colour {colour} is not available for {zone.label}; choose one of: "
                    f"{', '.join(c.upper() for c in zone.colours)}."
                ),
            )
        )
    if font is not None and given.size_mm is not None and not _in_range(given.size_mm, font):
        errors.append(
            ErrorItem(
                field=zone.key,
                code=ErrorCode.SIZE_OUT_OF_RANGE,
                message=(
                    f"The size {given.size_mm:g} mm is out of range for {zone.label}: choose "
                    f"between {font.min_size_mm:g} and {font.max_size_mm:g} mm."
                ),
            )
        )
    return Choice(font_id, colour, given.size_mm, font, tuple(errors))


def _in_range(size_mm: float, font: FontOption) -> bool:
    low, high = font.min_size_mm - SIZE_TOLERANCE_MM, font.max_size_mm + SIZE_TOLERANCE_MM
    return low <= size_mm <= high


def _font_not_allowed(zone: TextZone, font_id: str, available: Collection[str]) -> ErrorItem:
    offered = [f.font_id for f in zone.fonts if f.font_id in available]
    return ErrorItem(
        field=zone.key,
        code=ErrorCode.FONT_NOT_ALLOWED,
        message=(
            f'The font "{font_id}" is not available for {zone.label}; choose one of: '
            f"{', '.join(offered) or 'none'}."
        ),
    )
