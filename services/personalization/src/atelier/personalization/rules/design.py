"""The rules applied zone by zone, and the design they resolve to when everything is valid."""

from collections.abc import Mapping

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import (
    TextZone,
    ValidationResult,
    WordList,
    ZoneInput,
    ZoneResult,
)
from atelier.contracts.spec import DesignSpec, FontRef, SpecZone
from atelier.personalization.rules.blocklist import blocked_words
from atelier.personalization.rules.characters import check_characters, required_error
from atelier.personalization.rules.choice import choose
from atelier.personalization.rules.fit import measure
from atelier.personalization.rules.glyphs import missing_glyphs
from atelier.personalization.rules.normalize import Text, normalize


def check_zone(
    zone: TextZone, given: ZoneInput, fonts: Mapping[str, str] | None, words: WordList | None
) -> ZoneResult:
    """Steps 1-4 always; with ``fonts``, the choice, glyph coverage and fit (5, 6, 8); with
    ``words``, the block-list (7)."""
    text = normalize(given.text, zone.rules.invisible, zone.key, zone.label)
    result = ZoneResult(
        zone=zone.key,
        value=text.value,
        length=text.length,
        removed=list(text.removed),
        lines=text.lines,
        errors=list(text.errors),
    )
    if text.stopped:
        return result
    if not text.value:  # an empty optional zone is simply left out of the design
        if zone.rules.required:
            result.errors.append(required_error(zone))
        return result
    result.errors.extend(check_characters(zone, text))
    if fonts is not None:
        _check_choice_and_fit(zone, given, text, fonts, words, result)
    return result


def _check_choice_and_fit(
    zone: TextZone,
    given: ZoneInput,
    text: Text,
    fonts: Mapping[str, str],
    words: WordList | None,
    result: ZoneResult,
) -> None:
    choice = choose(zone, given, fonts.keys())
    result.font_id, result.colour, result.size_mm = choice.font_id, choice.colour, choice.size_mm
    result.errors.extend(choice.errors)
    if choice.font is not None:  # a font the zone does not offer may not even be loaded
        result.errors.extend(missing_glyphs(zone.key, choice.font_id, text))
    if words is not None and zone.rules.block_list:
        result.errors.extend(blocked_words(zone.key, text, words))
    if result.errors or choice.font is None:
        return  # measuring text that will be refused anyway would only add noise
    fit = measure(zone, text, choice.font, choice.colour, choice.size_mm)
    result.size_mm, result.fits = fit.size_mm, fit.fits
    result.errors.extend(fit.errors)


def check_design(
    zones: list[TextZone],
    values: Mapping[str, ZoneInput | str],
    fonts: Mapping[str, str] | None,
    words: WordList | None,
) -> ValidationResult:
    inputs = {key: _as_input(value) for key, value in values.items()}
    results = [check_zone(z, inputs.get(z.key) or _EMPTY, fonts, words) for z in zones]
    errors = _unknown_zones(zones, values)
    if not any(r.value or r.errors for r in results):
        # every zone is optional and none was filled: there is nothing to make
        message = "Enter text in at least one zone."
        errors.append(ErrorItem(field="values", code=ErrorCode.REQUIRED, message=message))
    valid = not errors and not any(r.errors for r in results)
    return ValidationResult(valid=valid, zones=results, errors=errors)


def resolve_design(
    product_id: str,
    template_version: int,
    zones: list[TextZone],
    results: list[ZoneResult],
    fonts: Mapping[str, str],
) -> DesignSpec:
    """The design of a valid result: its filled zones in template order."""
    return DesignSpec(
        product_id=product_id,
        template_version=template_version,
        zones=[
            _spec_zone(zone, result, fonts)
            for zone, result in zip(zones, results, strict=True)
            if result.value
        ],
    )


def _spec_zone(zone: TextZone, result: ZoneResult, fonts: Mapping[str, str]) -> SpecZone:
    if result.font_id is None or result.colour is None or result.size_mm is None:
        raise ValueError(f"zone {zone.key} was not measured: only a valid result has a design")
    return SpecZone(
        key=zone.key,
        text=result.value,
        layer=zone.layer,
        width_mm=zone.width_mm,
        height_mm=zone.height_mm,
        bleed_mm=zone.bleed_mm,
        safe_mm=zone.safe_mm,
        font=FontRef(id=result.font_id, sha256=fonts[result.font_id]),
        size_mm=result.size_mm,
        colour=result.colour,
        align=zone.align,
        line_height=zone.line_height,
        max_lines=zone.rules.max_lines,
    )


_EMPTY = ZoneInput.model_construct(text="")  # a zone the shopper left out


def _as_input(value: ZoneInput | str) -> ZoneInput:
    # Not validated again: over-long text is the rules' to report (too_long), not a crash.
    return ZoneInput.model_construct(text=value) if isinstance(value, str) else value


def _unknown_zones(zones: list[TextZone], values: Mapping[str, object]) -> list[ErrorItem]:
    keys = [zone.key for zone in zones]
    return [
        ErrorItem(
            field=key,
            code=ErrorCode.UNKNOWN_ZONE,
            message=f'This product has no zone "{key}"; its zones are: {", ".join(keys)}.',
        )
        for key in values
        if key not in keys
    ]
