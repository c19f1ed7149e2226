"""The rules engine: what a shopper typed, normalized, checked and measured. Pure: no I/O.

Per zone, in order (the steps of the rules specification): 1 unpaired surrogates (the zone stops
there), 2 line breaks and NFC, 3 the character policy and trimming (`normalize`), 4 lines, length
and characters (`characters`), 5 font, colour and size (`choice`), 6 glyph coverage (`glyphs`),
7 the brand's word rules (`blocklist`, matched by `words`), 8 the measured fit or auto-fit
(`fit`); `design` runs them and resolves the design. Every error's position is a grapheme index
in the text as typed.

Decisions the specification leaves open:
- NFC is applied once more after invisible characters are stripped (and trimming), so that "a",
  ZWSP, U+0301 becomes "á" and normalizing a normalized value changes nothing.
- A ZWJ/ZWNJ is kept only after a visible base (or after a kept joiner); after white space, a
  control or a format character it counts as leading, i.e. invisible (else trimming could leave
  it at the start of the value).
- Trimming removes U+0020, the other space separators (Zs: NBSP, ideographic space…) and line
  breaks. Refused characters (controls, bidi controls, invisible ones under `reject`) stay in the
  value; step 4 does not report them a second time as `character_not_allowed`.
- A zone with an unpaired surrogate reports its value with U+FFFD in place of each surrogate
  (a lone surrogate cannot be encoded as UTF-8 JSON); one error per surrogate code point.
- "\\n" beyond `max_lines` is `too_many_lines` (with `max_lines` 1, any line break is).
- `character_not_allowed` quotes the whole grapheme cluster and names its first code point.
- Empty zones (required or not) get no choice, coverage, block-list or fit check. Unknown zone
  keys and the "values" `required` error are reported by all three functions.
- A zone's font that is missing from `fonts` is `font_not_allowed` (say, a brand font deleted
  since the template was published); an unoffered font skips size range and glyph coverage.
- `glyph_missing` names shipped fonts by family and a brand font as "the chosen font".
- Word rules (issue 16): entries match whole words (``*`` markers for prefix, suffix, in-word),
  phrases across any spaces and punctuation, single letters joined ("f.u.c.k"); folding drops
  format characters (joiners too), marks and case, maps Unicode's confusables of Latin letters
  and the brand's digit/symbol substitutions. A zone refused by a blocked entry reports no
  review entries; a review entry is recorded on its zone's result.
- `does_not_fit` points at the start of the first overflowing line (too wide, past the line
  limit or below the box), in the layout at the asked size or at the smallest size.
- The auto-fitted size is rounded down to 0.1 mm (a smaller size still fits), never below the
  font's minimum; sizes within 1e-9 mm of a bound are in range.
"""

import unicodedata
from collections.abc import Mapping, Sequence

from atelier.contracts.model3d import ProductModel
from atelier.contracts.personalization import (
    TextZone,
    ValidationResult,
    View,
    WidgetRules,
    WordList,
    ZoneInput,
)
from atelier.personalization.rules.blocklist import check_words, widget_words
from atelier.personalization.rules.choice import SIZE_TOLERANCE_MM
from atelier.personalization.rules.design import check_design, resolve_design
from atelier.personalization.rules.fit import FIT_TOLERANCE_MM, STEP_MM
from atelier.typeset import harfbuzz_version

__all__ = ["RULES_VERSION", "autofit_design", "check_words", "normalize_design",
           "validate_design", "widget_rules", "widget_words"]

# The edition of these rules. The widget carries a port of them (``widget/src/rules``) and the
# character tables they read (``widget/src/generated``, written from this process's data); bump
# it with any change of a rule or a message, so that a widget of another edition asks the server.
RULES_VERSION = "2026.12.1"


def widget_rules() -> WidgetRules:
    return WidgetRules(
        rules_version=RULES_VERSION,
        unicode_version=unicodedata.unidata_version,
        harfbuzz_version=harfbuzz_version(),
        autofit_step_mm=STEP_MM,
        fit_tolerance_mm=FIT_TOLERANCE_MM,
        size_tolerance_mm=SIZE_TOLERANCE_MM,
    )


def normalize_design(
    zones: list[TextZone], values: Mapping[str, ZoneInput | str]
) -> ValidationResult:
    """Normalization and the character-level checks (steps 1-4): no fit, no design."""
    return check_design(zones, values, fonts=None, words=None)


def autofit_design(
    zones: list[TextZone], values: Mapping[str, ZoneInput | str], fonts: Mapping[str, str]
) -> ValidationResult:
    """As `validate_design` without the block-list, reporting each zone's size (auto-fitted
    unless the shopper chose one) and whether it fits; never a design."""
    return check_design(zones, values, fonts=fonts, words=None)


def validate_design(
    product_id: str,
    template_version: int,
    zones: list[TextZone],
    values: Mapping[str, ZoneInput | str],
    fonts: Mapping[str, str],
    words: WordList,
    views: Sequence[View] = (),
    model: ProductModel | None = None,
) -> ValidationResult:
    """Every rule; when all is well, the resolved design. ``fonts`` maps each font id the zones
    may use to its sha256, and each brand font is already registered in atelier.typeset.
    ``views``: the product's; none, one with the zones stacked (``domain.placed``). ``model``:
    the product's 3D model, carried in the design for render."""
    result = check_design(zones, values, fonts=fonts, words=words)
    if result.valid:
        result.design = resolve_design(product_id, template_version, views, zones,
                                       result.zones, fonts, model)
    return result
