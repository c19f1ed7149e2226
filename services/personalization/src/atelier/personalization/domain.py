"""The rules of products and of shopper input. Pure: no I/O, no framework.

Text is normalized to NFC and measured in grapheme clusters (what a person calls a character),
so a decomposed "é" (e + U+0301) and a composed one are the same value of the same length, and a
family emoji joined with ZWJs is one character.
"""

import unicodedata
from collections.abc import Collection, Iterable

import regex

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import (
    CharacterClass,
    TextZone,
    ValidationResult,
    ZoneResult,
)
from atelier.contracts.spec import DesignSpec, SpecZone

GRAPHEME = regex.compile(r"\X")
ZERO_WIDTH_JOINER = "\u200d"
CLASS_OF_CATEGORY = {
    "L": CharacterClass.LETTERS,
    "M": CharacterClass.LETTERS,  # combining marks: decomposed accents are part of letters
    "P": CharacterClass.PUNCTUATION,
    "S": CharacterClass.SYMBOLS,
}


# --- products ------------------------------------------------------------------------------------
def unknown_fonts(zones: list[TextZone], known: Collection[str]) -> list[ErrorItem]:
    """One error per zone whose font the platform cannot draw."""
    available = ", ".join(sorted(known))
    return [
        ErrorItem(
            field=f"zones.{index}.font",
            code=ErrorCode.INVALID_FIELD,
            message=f'Unknown font "{zone.font}". Available fonts: {available}.',
        )
        for index, zone in enumerate(zones)
        if zone.font not in known
    ]


def fonts_used(zones: Iterable[TextZone]) -> list[str]:
    """The distinct font ids of the zones, in zone order."""
    return list(dict.fromkeys(zone.font for zone in zones))


# --- characters ----------------------------------------------------------------------------------
def graphemes(text: str) -> list[str]:
    return GRAPHEME.findall(text)


def character_class(char: str) -> CharacterClass | None:
    """The class a code point belongs to; None for anything no class admits (controls, NBSP…)."""
    if char == " ":
        return CharacterClass.SPACE
    category = unicodedata.category(char)
    if category == "Nd":
        return CharacterClass.DIGITS
    return CLASS_OF_CATEGORY.get(category[0])


def extends_cluster(char: str) -> bool:
    """Marks and the ZWJ after a base character are part of it (an accent, an emoji variation or
    sequence), so they are judged with their base rather than on their own."""
    return char == ZERO_WIDTH_JOINER or unicodedata.category(char).startswith("M")


def describe(char: str) -> str:
    """``"€" (U+20AC EURO SIGN)``; invisible characters are shown by code point only."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, None)
    label = f"{code} {name}" if name else code
    return f'"{char}" ({label})' if char.isprintable() and not char.isspace() else label


def disallowed_characters(zone: TextZone, clusters: list[str]) -> list[ErrorItem]:
    """An error per character the zone does not allow, at the grapheme where it occurs."""
    allowed = set(zone.allowed_classes)
    extra = unicodedata.normalize("NFC", zone.allowed_extra)
    errors = []
    for position, cluster in enumerate(clusters):
        for index, char in enumerate(dict.fromkeys(cluster)):
            if char in extra or character_class(char) in allowed:
                continue
            if index > 0 and extends_cluster(char):
                continue
            errors.append(
                ErrorItem(
                    field=zone.key,
                    code=ErrorCode.CHARACTER_NOT_ALLOWED,
                    message=f"The character {describe(char)} is not allowed in {zone.label}.",
                    position=position,
                )
            )
    return errors


# --- zones and designs ---------------------------------------------------------------------------
def is_blank(value: str) -> bool:
    return not value.strip()


def validate_zone(zone: TextZone, typed: str) -> ZoneResult:
    value = unicodedata.normalize("NFC", typed)
    clusters = graphemes(value)
    result = ZoneResult(zone=zone.key, value=value, length=len(clusters))
    if is_blank(value):
        if zone.required:
            result.errors.append(
                ErrorItem(
                    field=zone.key,
                    code=ErrorCode.REQUIRED,
                    message=f"{zone.label} is required: enter some text.",
                )
            )
        return result
    if len(clusters) > zone.max_length:
        result.errors.append(
            ErrorItem(
                field=zone.key,
                code=ErrorCode.TOO_LONG,
                message=(
                    f"{zone.label} takes at most {zone.max_length} characters; "
                    f"this text has {len(clusters)}."
                ),
                position=zone.max_length,
            )
        )
    result.errors.extend(disallowed_characters(zone, clusters))
    return result


def unknown_zones(zones: list[TextZone], values: dict[str, str]) -> list[ErrorItem]:
    keys = {zone.key for zone in zones}
    return [
        ErrorItem(
            field=key,
            code=ErrorCode.UNKNOWN_ZONE,
            message=f'This product has no zone "{key}"; known zones: {", ".join(sorted(keys))}.',
        )
        for key in values
        if key not in keys
    ]


def validate_design(
    product_id: str, template_version: int, zones: list[TextZone], values: dict[str, str]
) -> ValidationResult:
    """Check every zone of the template; when all is well, resolve the design to draw."""
    results = [validate_zone(zone, values.get(zone.key, "")) for zone in zones]
    errors = unknown_zones(zones, values)
    filled = [(z, r) for z, r in zip(zones, results, strict=True) if not is_blank(r.value)]
    if not filled and not any(r.errors for r in results):
        # every zone is optional and none was filled: there is nothing to make
        errors.append(
            ErrorItem(
                field="values",
                code=ErrorCode.REQUIRED,
                message="Enter text in at least one zone.",
            )
        )
    if errors or any(r.errors for r in results):
        return ValidationResult(valid=False, zones=results, errors=errors)
    design = DesignSpec(
        product_id=product_id,
        template_version=template_version,
        zones=[
            SpecZone(
                key=zone.key,
                text=result.value,
                width_mm=zone.width_mm,
                height_mm=zone.height_mm,
                font=zone.font,
                colour=zone.colour,
            )
            for zone, result in filled
        ],
    )
    return ValidationResult(valid=True, zones=results, design=design)
