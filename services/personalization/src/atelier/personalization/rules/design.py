"""The rules applied zone by zone, and the design they resolve to when everything is valid."""

from collections.abc import Mapping, Sequence

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.model3d import ProductModel
from atelier.contracts.personalization import (
    TextZone,
    ValidationResult,
    View,
    WordList,
    ZoneInput,
    ZoneResult,
)
from atelier.contracts.spec import DesignSpec, FontRef, PlacedSpecZone, SpecView, fitted_placement
from atelier.personalization.domain import placed
from atelier.personalization.rules.blocklist import word_rules
from atelier.personalization.rules.characters import check_characters, required_error
from atelier.personalization.rules.choice import choose
from atelier.personalization.rules.fit import measure, spec_zone
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
    # a font the zone does not offer may not even be loaded
    pinned = None if choice.font is None else _pinned(choice.font_id, fonts)
    if pinned is not None:
        result.errors.extend(missing_glyphs(zone.key, pinned, text))
    if words is not None and zone.rules.block_list:
        errors, result.review = word_rules(zone.key, text, words)
        result.errors.extend(errors)
    if result.errors or choice.font is None or pinned is None:
        return  # measuring text that will be refused anyway would only add noise
    fit = measure(zone, text, choice.font, pinned, choice.colour, choice.size_mm)
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
    views: Sequence[View],
    zones: list[TextZone],
    results: list[ZoneResult],
    fonts: Mapping[str, str],
    model: ProductModel | None = None,
) -> DesignSpec:
    """The design of a valid result: the product's views, each photo's placement made explicit
    (a view without one gets ``fitted_placement``), and its filled zones in template order, each
    where the template places it (or stacked on one view: ``domain.placed``)."""
    views, zones = placed(list(views), zones)
    return DesignSpec(
        product_id=product_id,
        template_version=template_version,
        views=[_spec_view(view) for view in views],
        zones=[
            _spec_zone(zone, result, fonts)
            for zone, result in zip(zones, results, strict=True)
            if result.value
        ],
        model=model,
    )


def _spec_view(view: View) -> SpecView:
    placement = view.placement
    if view.photo is not None and placement is None:
        placement = fitted_placement(view.width_mm, view.height_mm, view.photo)
    return SpecView(key=view.key, width_mm=view.width_mm, height_mm=view.height_mm,
                    photo=view.photo, placement=placement if view.photo is not None else None)


def _spec_zone(zone: TextZone, result: ZoneResult, fonts: Mapping[str, str]) -> PlacedSpecZone:
    if result.font_id is None or result.colour is None or result.size_mm is None:
        raise ValueError(f"zone {zone.key} was not measured: only a valid result has a design")
    if zone.placement is None:
        raise ValueError(f"zone {zone.key} is not placed on a view")
    pinned = FontRef(id=result.font_id, sha256=fonts[result.font_id])
    zone_spec = spec_zone(zone, result.value, pinned, result.colour, result.size_mm)
    return PlacedSpecZone.model_validate({
        **zone_spec.model_dump(), **zone.placement.model_dump(),
    })


def _pinned(font_id: str, fonts: Mapping[str, str]) -> FontRef:
    return FontRef.model_construct(id=font_id, sha256=fonts[font_id])


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
