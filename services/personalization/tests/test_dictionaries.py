"""False positives of the default lists, measured (issue 16): every word of Debian's
``wamerican`` and ``wfrench`` word lists (installed by ``make system``) through the rules with
the English and French default lists on. A word refused by a whole-word entry must be one of
the lists' own words (in any case: "Fuck", "connard"); anything else a whole-word
entry refuses is a false positive, and there is none (the real words that fold like an entry,
"pûtes" like "putes", are the default lists' own exceptions). The refused words, the words held for
review and what in-word entries refuse are printed (``pytest -s``)."""

from pathlib import Path

import pytest

from atelier.contracts.personalization import DefaultList, MatchKind, WordList, WordOutcome
from atelier.personalization.rules.words import compile_rules, find

DICTIONARIES = [Path("/usr/share/dict/american-english"), Path("/usr/share/dict/french")]
WHOLE = (MatchKind.WORD, MatchKind.PHRASE)


@pytest.mark.parametrize("dictionary", DICTIONARIES, ids=lambda path: path.name)
def test_no_dictionary_word_is_refused_by_a_whole_word_entry_but_the_entry_itself(
    dictionary: Path,
) -> None:
    if not dictionary.exists():
        pytest.fail(f"{dictionary} is missing: run make system (Debian's wamerican, wfrench)")
    rules = compile_rules(WordList(defaults=[DefaultList.EN, DefaultList.FR]))
    listed = {entry.text.casefold() for entry in rules.entries if entry.kind in WHOLE}
    refused: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    false_positives: dict[str, list[str]] = {}
    in_word: dict[str, list[str]] = {}
    words = dictionary.read_text("utf-8").split()
    for word in words:
        for hit in find(word, rules):
            if hit.excepted_by is not None:
                continue
            matched = word[hit.start:hit.end].casefold()
            if hit.entry.outcome is WordOutcome.REVIEW:
                held.setdefault(word, []).append(hit.entry.text)
                continue
            refused.setdefault(word, []).append(hit.entry.text)
            if hit.entry.kind not in WHOLE:
                in_word.setdefault(word, []).append(hit.entry.text)
            elif matched not in listed:
                false_positives.setdefault(word, []).append(hit.entry.text)
    print(f"\n{dictionary.name}: {len(words)} words; refused {len(refused)}: {sorted(refused)}")
    print(f"held for review {len(held)}: {sorted(held)}")
    print(f"refused by in-word entries {len(in_word)}: {in_word}")
    print(f"false positives of whole-word entries: {false_positives}")
    assert false_positives == {}
    assert refused  # the lists do refuse something: the words they list
