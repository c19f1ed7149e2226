"""Step 4 of the rules: lines, length and the characters a zone allows.

Each grapheme cluster is judged by its first code point, so an accent typed as a combining mark
belongs to its letter and an emoji sequence (ZWJ, skin tone, variation selector) to its emoji.
"""

import unicodedata

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import CharacterClass, TextZone
from atelier.personalization.rules.naming import describe
from atelier.personalization.rules.normalize import Text

_CLASS_OF_CATEGORY = {
    "L": CharacterClass.LETTERS,
    "M": CharacterClass.LETTERS,  # combining marks: decomposed accents are part of letters
    "P": CharacterClass.PUNCTUATION,
    "S": CharacterClass.SYMBOLS,
}


def character_class(char: str) -> CharacterClass | None:
    """The class a code point belongs to; None for what no class admits (NBSP, controls…)."""
    if char == " ":
        return CharacterClass.SPACE
    category = unicodedata.category(char)
    if category == "Nd":
        return CharacterClass.DIGITS
    return _CLASS_OF_CATEGORY.get(category[0])


def required_error(zone: TextZone) -> ErrorItem:
    return ErrorItem(
        field=zone.key,
        code=ErrorCode.REQUIRED,
        message=f"{zone.label} is required: enter some text.",
    )


def check_characters(zone: TextZone, text: Text) -> list[ErrorItem]:
    """Errors of a non-empty normalized text: lines, then length, then characters."""
    return [*_too_many_lines(zone, text), *_too_long(zone, text), *_not_allowed(zone, text)]


def _too_many_lines(zone: TextZone, text: Text) -> list[ErrorItem]:
    limit = zone.rules.max_lines
    if text.lines <= limit:
        return []
    breaks = [index for index, cluster in enumerate(text.clusters) if cluster == "\n"]
    # The value is trimmed, so a grapheme always follows a line break.
    first_extra = breaks[limit - 1] + 1
    unit = "line" if limit == 1 else "lines"
    return [
        ErrorItem(
            field=zone.key,
            code=ErrorCode.TOO_MANY_LINES,
            message=f"{zone.label} takes at most {limit} {unit}; this text has {text.lines}.",
            position=text.origins[first_extra],
        )
    ]


def _too_long(zone: TextZone, text: Text) -> list[ErrorItem]:
    limit = zone.rules.max_length
    if text.length <= limit:
        return []
    counted = [index for index, cluster in enumerate(text.clusters) if cluster != "\n"]
    return [
        ErrorItem(
            field=zone.key,
            code=ErrorCode.TOO_LONG,
            message=(
                f"{zone.label} takes at most {limit} characters; this text has {text.length}."
            ),
            position=text.origins[counted[limit]],
        )
    ]


def _not_allowed(zone: TextZone, text: Text) -> list[ErrorItem]:
    allowed = set(zone.rules.allowed_classes)
    extra = set(unicodedata.normalize("NFC", zone.rules.allowed_extra))
    errors = []
    for cluster, origin in zip(text.clusters, text.origins, strict=True):
        first = cluster[0]
        # Controls and format characters left in the value were refused by the policy already.
        if cluster == "\n" or unicodedata.category(first) in ("Cc", "Cf"):
            continue
        if first in extra or character_class(first) in allowed:
            continue
        errors.append(
            ErrorItem(
                field=zone.key,
                code=ErrorCode.CHARACTER_NOT_ALLOWED,
                message=f"The character {describe(cluster)} is not allowed in {zone.label}.",
                position=origin,
            )
        )
    return errors
