"""Step 8 of the rules: the shaped text must fit the zone's safe area, measured by the one
typesetting engine with the style the product scene draws it in (``spec_zone`` is the zone as a
spec will carry it, ``atelier.typeset.product.zone_style`` its style); without a size from the
shopper, the largest size that fits is chosen."""

import math
from dataclasses import dataclass

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import FontOption, TextZone
from atelier.contracts.spec import FontRef, SpecZone
from atelier.personalization.rules.normalize import Text
from atelier.typeset import Box, Layout, TextStyle, autofit, layout
from atelier.typeset.product import zone_box, zone_style

STEP_MM = 0.1
FIT_TOLERANCE_MM = 1e-6  # the engine's own tolerance for "exactly as wide as the box"


@dataclass(frozen=True)
class Fit:
    size_mm: float | None
    fits: bool
    errors: tuple[ErrorItem, ...] = ()


def spec_zone(zone: TextZone, text: str, font: FontRef, colour: str, size_mm: float) -> SpecZone:
    """The zone as a design spec carries it, with this text, font, colour and size. Built
    without validation: measuring is the hottest path, and every value was checked already."""
    return SpecZone.model_construct(
        key=zone.key, text=text, layer=zone.layer, width_mm=zone.width_mm,
        height_mm=zone.height_mm, bleed_mm=zone.bleed_mm, safe_mm=zone.safe_mm, font=font,
        size_mm=size_mm, colour=colour, align=zone.align, line_height=zone.line_height,
        max_lines=zone.rules.max_lines,
    )


def measure(
    zone: TextZone, text: Text, font: FontOption, pinned: FontRef, colour: str,
    size_mm: float | None,
) -> Fit:
    """Lay out at the shopper's size, or auto-fit within the font's range on a 0.1 mm grid."""
    trial = spec_zone(zone, text.value, pinned, colour, size_mm or font.min_size_mm)
    box = zone_box(trial).safe_box
    style = zone_style(trial)
    max_lines = zone.rules.max_lines
    if size_mm is None:
        return _autofit(zone, text, style, box, font)
    laid = layout(text.value, style, box, max_lines)
    if laid.fits:
        return Fit(size_mm, True)
    message = f"The text in {zone.label} does not fit at {_mm(size_mm)} mm: {_why(laid)}."
    return Fit(size_mm, False, (_does_not_fit(zone, text, laid, message),))


def _autofit(zone: TextZone, text: Text, smallest: TextStyle, box: Box, font: FontOption) -> Fit:
    max_lines = zone.rules.max_lines
    low, high = font.min_size_mm, font.max_size_mm
    found = autofit(text.value, smallest, box, low, high, STEP_MM, max_lines)
    if found is not None:
        return Fit(_on_grid(found, low), True)
    laid = layout(text.value, smallest, box, max_lines)
    message = f"The text in {zone.label} does not fit even at the smallest size, {_mm(low)} mm."
    return Fit(None, False, (_does_not_fit(zone, text, laid, message),))


def _on_grid(size_mm: float, min_size_mm: float) -> float:
    """The auto-fitted size rounded down to 0.1 mm (a smaller size still fits), without the
    float noise of min + k·step, and never below the font's minimum."""
    return round(max(math.floor(size_mm / STEP_MM + FIT_TOLERANCE_MM) * STEP_MM, min_size_mm), 6)


def _why(laid: Layout) -> str:
    reasons = []
    if laid.too_wide:
        reasons.append("too wide")
    if laid.too_many_lines:
        reasons.append(f"too many lines (at most {laid.max_lines})")
    if laid.too_tall:
        reasons.append("too tall")
    return ", ".join(reasons)


def _does_not_fit(zone: TextZone, text: Text, laid: Layout, message: str) -> ErrorItem:
    return ErrorItem(
        field=zone.key,
        code=ErrorCode.DOES_NOT_FIT,
        message=message,
        position=text.position_at(_first_overflowing_line(laid)),
    )


def _first_overflowing_line(laid: Layout) -> int:
    """Where the text stops fitting: the start of the first line that is too wide, beyond the
    line limit or below the box."""
    limit = laid.max_lines or len(laid.lines)
    return next(
        line.start
        for index, line in enumerate(laid.lines)
        if index >= limit
        or line.width_mm > laid.box.width_mm + FIT_TOLERANCE_MM
        or line.top_mm + line.height_mm > laid.box.height_mm + FIT_TOLERANCE_MM
    )


def _mm(size_mm: float) -> str:
    """2 → "2.0", 2.25 → "2.25": sizes read as millimetres with at least one decimal."""
    text = f"{size_mm:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
