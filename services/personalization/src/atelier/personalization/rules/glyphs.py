"""Step 6 of the rules: every character must be one the chosen font can draw, so that nothing
is ever printed as an empty box (an emoji with a skin tone the font lacks is refused)."""

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.spec import FontRef
from atelier.personalization.rules.naming import describe
from atelier.personalization.rules.normalize import Text
from atelier.typeset import coverage
from atelier.typeset.fonts import SHIPPED
from atelier.typeset.pinned import engine_font_id


def missing_glyphs(key: str, pinned: FontRef, text: Text) -> list[ErrorItem]:
    font = SHIPPED[pinned.id].family if pinned.id in SHIPPED else None
    # A brand font's id is an opaque id the shopper never saw: it is "the chosen font".
    subject = f"The font {font}" if font else "The chosen font"
    return [
        ErrorItem(
            field=key,
            code=ErrorCode.GLYPH_MISSING,
            message=f"{subject} cannot draw {describe(char)}.",
            position=text.origins[index],
        )
        for index, char in coverage(engine_font_id(pinned), text.value)
    ]
