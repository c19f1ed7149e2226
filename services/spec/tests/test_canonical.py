"""Canonical JSON (RFC 8785) and the spec hash: the hash names the design, not its spelling.

A client may hold a spec with its keys in any order, any whitespace, any escaping of strings and
any spelling of its numbers (10, 10.0, 1e1, 1.0E1 and 100e-1 are one number in JSON): parsed and
validated, every spelling gives the same canonical JSON and the same hash."""

import json
import random
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.contracts import ErrorCode
from atelier.contracts.canonical import canonicalize
from atelier.contracts.spec import Align, DesignSpecV1, Layer, PhotoRef, StraightPlacement
from atelier.contracts.spec import placed as placed_spec
from atelier.spec import domain

BOUNDED = settings(max_examples=150, deadline=None)

positive = st.floats(min_value=0, max_value=1e6, exclude_min=True, allow_nan=False,
                     allow_infinity=False)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(
    lambda text: unicodedata.normalize("NFC", text)
)
zones = st.fixed_dictionaries({
    "key": st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
    "text": texts,
    "layer": st.sampled_from([layer.value for layer in Layer]),
    "width_mm": positive,
    "height_mm": positive,
    "bleed_mm": st.floats(min_value=0, max_value=50),
    "safe_mm": st.floats(min_value=0, max_value=500),
    "font": st.fixed_dictionaries({
        "id": st.sampled_from(["dejavu-sans", "dejavu-serif", "brand-font"]),
        "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
    }),
    "size_mm": positive,
    "colour": st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True),
    "align": st.sampled_from([align.value for align in Align]),
    "line_height": st.floats(min_value=0.5, max_value=3, exclude_min=True),
    "max_lines": st.integers(min_value=1, max_value=20),
})
documents = st.fixed_dictionaries({
    "spec_version": st.just(1),
    "product_id": st.from_regex(r"[a-z0-9-]{1,36}", fullmatch=True),
    "template_version": st.integers(min_value=1, max_value=2**31 - 1),
    "zones": st.lists(zones, min_size=1, max_size=3),
})


def number_spellings(number: float) -> list[str]:
    """JSON spellings of one number; each denotes exactly the same decimal (or, for ``.17g``,
    the same double), so json.loads reads each back to the same value."""
    if number == 0:  # JSON allows no leading zeros; and -0 is 0 in RFC 8785
        return ["0", "0.0", "-0", "-0.0", "0e0", "0.000E+5", "-0E-2"]
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)
    minus, mantissa = "-" * sign, "".join(map(str, digits))
    spellings = [
        repr(number),
        format(number, ".17g"),
        format(number, ".17E"),
        f"{minus}{mantissa}e{exponent}",
        f"{minus}{mantissa}000E{exponent - 3:+d}",
        f"{minus}{mantissa[0]}.{mantissa[1:] or '0'}e{exponent + len(mantissa) - 1}",
    ]
    if float(number).is_integer() and abs(number) < 2**53:
        spellings += [str(int(number)), f"{int(number)}.0", f"{int(number)}.000"]
    return spellings


def spell(value: Any, rnd: random.Random) -> str:
    """``value`` as JSON text with its keys shuffled, random whitespace, strings escaped or not,
    and numbers spelled in any of their ways."""

    def space() -> str:
        return "".join(rnd.choice(" \t\n\r") for _ in range(rnd.randrange(3)))

    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        members = (f"{space()}{spell(k, rnd)}{space()}:{space()}{spell(v, rnd)}{space()}"
                   for k, v in items)
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(f"{space()}{spell(v, rnd)}{space()}" for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=rnd.random() < 0.5)
    return rnd.choice(number_spellings(value))


@BOUNDED
@given(document=documents, rnd=st.randoms(use_true_random=False))
def test_the_hash_does_not_depend_on_key_order_whitespace_or_number_spelling(
    document: dict, rnd: random.Random
) -> None:
    reference = canonicalize(DesignSpecV1.model_validate(document))
    text = spell(document, rnd)
    checked = domain.validate_document(json.loads(text), expected_hash=reference.hash)
    assert checked.errors == [] and checked.valid
    assert (checked.canonical_json, checked.spec_hash) == (reference.json, reference.hash)


@BOUNDED
@given(document=documents)
def test_the_canonical_form_is_its_own_canonical_form(document: dict) -> None:
    canonical = canonicalize(DesignSpecV1.model_validate(document))
    assert json.loads(canonical.json) == DesignSpecV1.model_validate(document).model_dump(
        mode="json")
    again = domain.validate_document(json.loads(canonical.json), expected_hash=None)
    assert (again.canonical_json, again.spec_hash) == canonical


@BOUNDED
@given(first=documents, second=documents)
def test_different_designs_have_different_hashes(first: dict, second: dict) -> None:
    one, other = DesignSpecV1.model_validate(first), DesignSpecV1.model_validate(second)
    if one != other:
        assert canonicalize(one).hash != canonicalize(other).hash


@pytest.mark.parametrize("spelling", ["10", "10.0", "1e1", "1.0E1", "100e-1", "0.1E+2",
                                      "10.000000000000000"])
def test_ten_millimetres_in_any_spelling_is_one_design(a_spec, spelling: str) -> None:
    document = a_spec().model_dump(mode="json")
    text = json.dumps(document).replace('"size_mm": 8.0', f'"size_mm": {spelling}')
    assert spelling in text
    checked = domain.validate_document(json.loads(text), expected_hash=None)
    document["zones"][0]["size_mm"] = 10
    assert checked.canonical_json == canonicalize(DesignSpecV1.model_validate(document)).json
    assert '"size_mm":10,' in checked.canonical_json


def test_the_canonical_json_is_rfc8785(a_spec) -> None:
    assert canonicalize(a_spec()).json == (
        '{"product_id":"p-1","spec_version":1,"template_version":1,"zones":[{"align":"center",'
        '"bleed_mm":0,"colour":"#112233","font":{"id":"dejavu-sans","sha256":'
        f'"{a_spec().zones[0].font.sha256}"}},"height_mm":12.5,"key":"name","layer":"engrave",'
        '"line_height":1.2,"max_lines":1,"safe_mm":1,"size_mm":8,"text":"Ada","width_mm":60}]}'
    )


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        # decomposed é: the same letter as the composed one, so it must never get its own hash
        ('"Zoe\\u0301"', "document.zones.0.text", "NFC"),
        # a lone surrogate has no UTF-8, hence no canonical form
        ('"\\ud800"', "document", "no canonical JSON form"),
    ],
)
def test_a_text_without_one_canonical_form_is_refused(a_spec, text, field, fragment) -> None:
    document = json.loads(json.dumps(a_spec().model_dump(mode="json")).replace('"Ada"', text))
    checked = domain.validate_document(document, expected_hash=None)
    assert not checked.valid and checked.spec_hash is None
    assert [(e.field, e.code) for e in checked.errors] == [(field, ErrorCode.SPEC_INVALID)]
    assert fragment in checked.errors[0].message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ('"size_mm": Infinity', "document.zones.0.size_mm"),
        ('"size_mm": NaN', "document.zones.0.size_mm"),
        ('"template_version": 2147483648', "document.template_version"),
        ('"template_version": 1.5', "document.template_version"),
        ('"spec_version": 3', "document.spec_version"),
        ('"max_lines": 9007199254740993', "document.zones.0.max_lines"),
    ],
)
def test_a_number_json_cannot_carry_is_refused_by_field(a_spec, change, field) -> None:
    key = change.split(":")[0]
    text = re.sub(f"{key}: [^,}}]+", change, json.dumps(a_spec().model_dump(mode="json")))
    assert change in text
    checked = domain.validate_document(json.loads(text), expected_hash=None)
    assert [(e.field, e.code) for e in checked.errors] == [(field, ErrorCode.SPEC_INVALID)]


def test_the_hash_of_a_version_2_spec_covers_views_photos_and_placements(a_spec) -> None:
    """A version 2 spec: the same design on another view, at another place, on another photo or
    placed otherwise on it is another design."""
    v1 = a_spec()
    placed = placed_spec(v1)
    base = canonicalize(placed).hash
    zone, view = placed.zones[0], placed.views[0]
    photo = PhotoRef(sha256="ab" * 32, width_px=800, height_px=600)
    straight = StraightPlacement(kind="straight", scale_px_per_mm=5, offset_x_px=10,
                                 offset_y_px=20)
    variants = [
        placed.model_copy(update={"zones": [zone.model_copy(update={"x_mm": zone.x_mm + 1})]}),
        placed.model_copy(update={"zones": [zone.model_copy(update={"rotation_deg": 15})]}),
        placed.model_copy(update={"views": [view.model_copy(update={"width_mm": 99})]}),
        placed.model_copy(update={"views": [view.model_copy(
            update={"photo": photo, "placement": straight})]}),
        placed.model_copy(update={"views": [view.model_copy(update={
            "photo": photo, "placement": straight.model_copy(update={"offset_x_px": 11})})]}),
    ]
    hashes = {canonicalize(variant).hash for variant in variants}
    assert len(hashes) == len(variants) and base not in hashes
    # a version 1 spec keeps its own canonical form and hash; drawn, it is the stacked layout
    assert '"views"' not in canonicalize(v1).json
    assert canonicalize(v1).hash != base
    checked = domain.validate_document(placed.model_dump(mode="json"), expected_hash=base)
    assert checked.valid and checked.spec_hash == base
