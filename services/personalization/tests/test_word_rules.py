"""The word rules (issue 16), table-driven: evasions caught and innocents passed, each with its
exact outcome and the entries it matched (``rules.check_words``, what the admin check route
answers, and what step 7 of validation refuses or records)."""

import hashlib

import pytest

from atelier.contracts import ErrorCode
from atelier.contracts.personalization import (
    DefaultList,
    MatchKind,
    Substitution,
    TextZone,
    WordList,
    WordOutcome,
    ZoneInput,
)
from atelier.personalization.rules import check_words, validate_design, widget_words
from atelier.personalization.rules.words.folding import lookalikes
from atelier.typeset.fonts import SHIPPED

BLOCK, REVIEW, ALLOW = WordOutcome.BLOCK, WordOutcome.REVIEW, WordOutcome.ALLOW
BRAND = WordList(blocked=["ass", "ass hat", "darn*", "*heck*", "*bum"], review=["gosh"],
                 allowed=["checkout"], defaults=[DefaultList.EN, DefaultList.FR])

CASES = [
    # the issue's own: whole words by default
    ("ass", BLOCK, ["ass", "en:ass"]),
    ("Classic", ALLOW, []),
    ("Bass", ALLOW, []),
    ("Cassandra", ALLOW, []),
    ("as", ALLOW, []),  # repeated letters match more, never fewer
    ("Assassin", ALLOW, []),
    # markers: prefix, suffix, inside
    ("darned socks", BLOCK, ["darn*"]),
    ("Jordarn", ALLOW, []),
    ("dumbum", BLOCK, ["*bum"]),
    ("bumble", ALLOW, []),
    ("heckler", BLOCK, ["*heck*"]),
    ("checkout", ALLOW, ["*heck*"]),  # the exception applies (reported, outcome allow)
    ("checkout heck", BLOCK, ["*heck*", "*heck*"]),
    # phrases across any run of spaces, punctuation and line breaks
    ("ass hat", BLOCK, ["ass hat", "ass", "en:ass"]),
    ("Ass...\nHat!", BLOCK, ["ass hat", "ass", "en:ass"]),
    ("fils de pute", BLOCK, ["fr:fils de pute", "fr:pute"]),
    ("fils  de\u2028pute", BLOCK, ["fr:fils de pute", "fr:pute"]),
    ("hat ass", BLOCK, ["ass", "en:ass"]),
    # single letters joined, ordinary words never
    ("f.u.c.k", BLOCK, ["en:*fuck*"]),
    ("f u c k", BLOCK, ["en:*fuck*"]),
    ("f-u-c-k", BLOCK, ["en:*fuck*"]),
    ("F U U U C K", BLOCK, ["en:*fuck*"]),
    ("s h 1 t", BLOCK, ["en:shit"]),
    ("you are a f u c k", BLOCK, ["en:*fuck*"]),
    ("S.H.I.T.", BLOCK, ["en:shit"]),
    ("a b c", ALLOW, []),
    ("A & B forever", ALLOW, []),
    ("as s", ALLOW, []),  # "as" is a word, not a single letter: nothing is joined
    # look-alikes from Unicode's confusables, mixed scripts
    ("\u0192uck", BLOCK, ["en:*fuck*"]),  # ƒ LATIN SMALL LETTER F WITH HOOK
    ("\u0455\u04bb\u0456t", BLOCK, ["en:shit"]),  # Cyrillic dze, shha, byelorussian i
    ("f\u03c5ck", BLOCK, ["en:*fuck*"]),  # Greek upsilon
    ("\u0430ss", BLOCK, ["ass", "en:ass"]),  # Cyrillic a
    ("\u0391\u03a3\u03a3", ALLOW, []),  # Greek capital alpha sigma sigma: not a Latin look-alike
    ("\u041c\u043e\u0441\u043a\u0432\u0430", ALLOW, []),  # Москва
    # zero-width and other invisible characters between letters
    ("f\u200bu\u200bc\u200bk", BLOCK, ["en:*fuck*"]),
    ("sh\u200dit", BLOCK, ["en:shit"]),
    ("s\u00adh\u2060i\ufefft", BLOCK, ["en:shit"]),
    # fullwidth and other compatibility forms
    ("\uff46\uff55\uff43\uff4b", BLOCK, ["en:*fuck*"]),
    ("\uff33\uff28\uff29\uff34", BLOCK, ["en:shit"]),
    ("\U0001d41f\U0001d42e\U0001d41c\U0001d424", BLOCK, ["en:*fuck*"]),  # mathematical bold
    ("\u24d5\u24e4\u24d2\u24da", BLOCK, ["en:*fuck*"]),  # circled
    # combining marks
    ("f\u0301u\u0308ck", BLOCK, ["en:*fuck*"]),
    ("s\u0336h\u0336i\u0336t\u0336", BLOCK, ["en:shit"]),  # struck through
    ("ENCULÉ", BLOCK, ["fr:enculé", "fr:encule"]),
    ("encule\u0301", BLOCK, ["fr:enculé", "fr:encule"]),
    # right-to-left text
    ("\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", ALLOW, []),
    ("\u0645\u0631\u062d\u0628\u0627 shit", BLOCK, ["en:shit"]),
    ("\u05e9\u05dc\u05d5\u05dd shit \u05e2\u05d5\u05dc\u05dd", BLOCK, ["en:shit"]),
    # digits and symbols read as letters (in words that have letters)
    ("sh1t", BLOCK, ["en:shit"]),
    ("$hit", BLOCK, ["en:shit"]),
    ("@ss", BLOCK, ["ass", "en:ass"]),
    ("a$$", BLOCK, ["ass", "en:ass"]),
    ("sh!t", BLOCK, ["en:shit"]),
    ("5h1t", BLOCK, ["en:shit"]),
    ("fuck!", BLOCK, ["en:*fuck*"]),
    ("Class of 2007!", ALLOW, []),
    ("R2D2 4ever", ALLOW, []),
    # repeated letters
    ("fuuuuck", BLOCK, ["en:*fuck*"]),
    ("shiiiiit", BLOCK, ["en:shit"]),
    # default lists: outcomes, and names and places that contain a listed word
    ("Dick Smith", REVIEW, ["en:dick"]),
    ("Dickens", ALLOW, []),
    ("Scunthorpe", ALLOW, []),
    ("Penistone", ALLOW, []),
    ("Hancock", ALLOW, []),
    ("Cockburn", ALLOW, []),
    ("Sussex", ALLOW, []),
    ("Arsenal", ALLOW, []),
    ("shiitake", ALLOW, []),
    ("gosh", REVIEW, ["gosh"]),
    ("le con", REVIEW, ["fr:con"]),
    ("connaître", ALLOW, []),
    ("connard", BLOCK, ["fr:connard"]),
    ("Putin", ALLOW, []),
    ("vous p\u00fbtes", ALLOW, ["fr:putes"]),  # a default list's exception, as written
    ("des putes", BLOCK, ["fr:putes"]),
    ("assess", ALLOW, ["en:asses"]),
    ("en retard", ALLOW, []),
    ("Bon anniversaire Cécile", ALLOW, []),
    ("Happy birthday Ada", ALLOW, []),
]


@pytest.mark.parametrize(("typed", "outcome", "entries"), CASES, ids=[c[0] for c in CASES])
def test_evasions_are_caught_and_innocents_pass(
    typed: str, outcome: WordOutcome, entries: list[str]
) -> None:
    check = check_words(typed, BRAND)
    found = [m.entry if m.source == "brand" else f"{m.source}:{m.entry}" for m in check.matches]
    assert (check.outcome, found) == (outcome, entries), check


def test_substitutions_are_switches_of_the_brand() -> None:
    only_zero = BRAND.model_copy(update={"substitutions": [Substitution.ZERO_O]})
    assert check_words("sh1t", only_zero).outcome is ALLOW
    assert check_words("b00bs", only_zero).outcome is REVIEW
    assert check_words("a$$", BRAND.model_copy(update={"substitutions": []})).outcome is ALLOW


def test_a_match_says_which_entry_where_and_why() -> None:
    [match] = check_words("Oh f.u.\u0441.k\u200b!", BRAND).matches
    assert match.model_dump() == {
        "entry": "*fuck*", "source": "en", "outcome": BLOCK, "kind": MatchKind.INSIDE,
        "position": 3, "matched": "f.u.\u0441.k",
        "why": ["single letters joined", "look-alike characters (Unicode confusables)"],
        "excepted_by": None,
    }
    [excepted] = check_words("Checkout", BRAND).matches
    assert excepted.outcome is ALLOW and excepted.excepted_by == "checkout"
    assert excepted.why == ["case, accents or width", 'exception "checkout"']
    [stretched] = check_words("$hiiit", BRAND).matches
    assert stretched.why == ["digits or symbols read as letters", "repeated letters"]


def test_removed_default_entries_and_the_brands_message() -> None:
    words = BRAND.model_copy(update={"removed": ["Dick", "connard"], "message": "No, thanks."})
    assert check_words("Dick connard", words).outcome is ALLOW
    result = validate_design("p", 1, [_zone()], {"name": "@ss"}, _FONTS, words)
    assert [(e.code, e.message) for e in result.zones[0].errors] == [
        (ErrorCode.BLOCKED_WORD, "No, thanks.")]


def test_a_review_word_is_recorded_on_the_zone_and_the_design_stays_valid() -> None:
    result = validate_design("p", 1, [_zone()], {"name": ZoneInput(text="Dear Dick")}, _FONTS,
                             BRAND)
    assert result.valid and result.design is not None
    [held] = result.zones[0].review
    assert (held.entry, held.source, held.outcome, held.position) == ("dick", "en", REVIEW, 5)


def test_the_widget_gets_the_rules_in_folded_form() -> None:
    words = widget_words(BRAND)
    assert {"ass", "ass hat", "darn*", "*heck*", "*bum", "*fuck*", "encule", "pute"} <= set(
        words.blocked)
    assert "enculé" not in words.blocked and "gosh" in words.review
    assert words.allowed == ["checkout"] and words.substitutions["$"] == "s"
    assert "p\u00fbtes" in words.allowed_as_written and "assess" in words.allowed_as_written
    assert words.lookalikes == lookalikes() and words.lookalikes["\u0455"] == "s"


def _zone() -> TextZone:
    return TextZone.model_validate({
        "key": "name", "label": "Name", "width_mm": 80, "height_mm": 12,
        "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 2, "max_size_mm": 8}],
        "rules": {"max_length": 40},
    })


_FONTS = {"dejavu-sans": hashlib.sha256(SHIPPED["dejavu-sans"].path.read_bytes()).hexdigest()}


def test_words_of_every_script_and_scripts_without_spaces() -> None:
    cyrillic = WordList(blocked=["мир"])
    assert check_words("Привет, МИР!", cyrillic).outcome is BLOCK
    assert check_words("мирный", cyrillic).outcome is ALLOW  # whole words in every script
    # Chinese is written without spaces: a run of letters is one word, so an entry is marked
    assert check_words("你好世界", WordList(blocked=["世界"])).outcome is ALLOW
    assert check_words("你好世界", WordList(blocked=["*世界*"])).outcome is BLOCK
