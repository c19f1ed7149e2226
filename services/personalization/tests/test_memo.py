from atelier.personalization.rules.memo import ByIdentity


class Owner:
    pass


def test_values_are_found_only_for_the_same_owners_and_the_oldest_is_dropped() -> None:
    memo: ByIdentity[str] = ByIdentity(size=2)
    a, b, c = Owner(), Owner(), Owner()
    memo.put((id(a), "x"), (a,), "A")
    memo.put((id(b), "x"), (b,), "B")
    assert memo.get((id(a), "x"), (a,)) == "A"  # a is now the most recently used
    assert memo.get((id(a), "x"), (b,)) is None  # same key, another object: not a hit
    memo.put((id(c), "x"), (c,), "C")
    assert memo.get((id(b), "x"), (b,)) is None  # the least recently used went
    assert memo.get((id(a), "x"), (a,)) == "A" and memo.get((id(c), "x"), (c,)) == "C"
