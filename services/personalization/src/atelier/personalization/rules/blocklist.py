"""Step 7 of the rules: the brand's word rules (``words``). A ``block`` entry found refuses the
zone, at its first grapheme, with the brand's message (which never echoes the entry); a
``review`` entry is recorded on the zone's result, so that an order item of the design is held
for a person to release; an exception (``allowed``) stops both."""

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import (
    InvisiblePolicy,
    WidgetWords,
    WordCheck,
    WordList,
    WordMatch,
    WordOutcome,
)
from atelier.personalization.rules.memo import ByIdentity
from atelier.personalization.rules.normalize import Text, normalize
from atelier.personalization.rules.words import Hit, Rules, compile_rules, find, why
from atelier.personalization.rules.words.entries import folded_entry
from atelier.personalization.rules.words.folding import SUBSTITUTES, fold, lookalikes

STRICTEST_FIRST = (WordOutcome.BLOCK, WordOutcome.REVIEW, WordOutcome.ALLOW)

# The catalog hands out one object per fetched list: a list is read once, not folded entry by
# entry on every request (it may hold 3 × 5000 entries and the default lists).
_BY_LIST: ByIdentity[Rules] = ByIdentity(64)


def rules_of(words: WordList) -> Rules:
    rules = _BY_LIST.get(id(words), (words,))
    if rules is None:
        rules = compile_rules(words)
        _BY_LIST.put(id(words), (words,), rules)
    return rules


def word_rules(key: str, text: Text, words: WordList) -> tuple[list[ErrorItem], list[WordMatch]]:
    """The zone's errors (one per place a blocked entry starts) and, when it has none, the
    review entries it holds."""
    rules = rules_of(words)
    hits = [hit for hit in find(text.value, rules) if hit.excepted_by is None]
    blocked = dict.fromkeys(text.position_at(hit.start) for hit in hits
                            if hit.entry.outcome is WordOutcome.BLOCK)
    if blocked:
        return [ErrorItem(field=key, code=ErrorCode.BLOCKED_WORD, message=rules.message,
                          position=position) for position in blocked], []
    return [], [word_match(text, hit, rules) for hit in hits
                if hit.entry.outcome is WordOutcome.REVIEW]


def word_match(text: Text, hit: Hit, rules: Rules) -> WordMatch:
    return WordMatch(
        entry=hit.entry.text,
        source=hit.entry.source,
        outcome=WordOutcome.ALLOW if hit.excepted_by is not None else hit.entry.outcome,
        kind=hit.entry.kind,
        position=text.position_at(hit.start),
        matched=text.value[hit.start:hit.end],
        why=why(text.value, hit, rules.substitutions),
        excepted_by=hit.excepted_by,
    )


def check_words(typed: str, words: WordList) -> WordCheck:
    """Every match in a test text, exceptions included, and the outcome a zone would get (its
    invisible characters stripped, as a zone's are by default)."""
    text = normalize(typed, InvisiblePolicy.STRIP, "text", "The text")
    rules = rules_of(words)
    matches = [word_match(text, hit, rules) for hit in find(text.value, rules)]
    outcomes = {match.outcome for match in matches} | {WordOutcome.ALLOW}
    return WordCheck(
        outcome=next(o for o in STRICTEST_FIRST if o in outcomes),
        folded=fold(text.value, rules.substitutions).text,
        matches=matches,
    )


def widget_words(words: WordList) -> WidgetWords:
    """The rules in folded form (``WidgetWords`` says how the widget applies them)."""
    rules = rules_of(words)

    def folded(outcome: WordOutcome) -> list[str]:
        return list(dict.fromkeys(folded_entry(e) for e in rules.entries if e.outcome is outcome))

    return WidgetWords(
        blocked=folded(WordOutcome.BLOCK),
        review=folded(WordOutcome.REVIEW),
        allowed=sorted(rules.allowed),
        allowed_as_written=sorted(rules.exact),
        substitutions=dict(SUBSTITUTES[s] for s in sorted(rules.substitutions)),
        lookalikes=lookalikes(),
        message=rules.message,
    )
