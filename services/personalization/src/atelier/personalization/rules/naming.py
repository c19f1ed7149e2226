"""How the rules name a character in a message or a removal: by code point and Unicode name."""

import unicodedata

# Python's unicodedata has no names for controls; these are the ones people actually type.
_CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "CHARACTER TABULATION",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


def code_point(char: str) -> str:
    """``U+20AC EURO SIGN`` (just ``U+0001`` when the character has no name)."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def describe(shown: str) -> str:
    """``"€" (U+20AC EURO SIGN)``: a character or grapheme cluster, named after its first code
    point; one that cannot be seen (white space, controls, format characters) by code point
    only, as quoting it would show nothing."""
    first = shown[0]
    if first.isprintable() and not first.isspace():
        return f'"{shown}" ({code_point(first)})'
    return code_point(first)
