"""Money as integer minor units of an ISO 4217 currency (DESIGN §5, Stripe's convention): a price
a provider writes as a decimal string becomes an exact integer, or is refused."""

from decimal import Decimal, InvalidOperation

# ISO 4217 minor units where they are not 2 (the rest of the active codes use cents)
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def exponent(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (JPY 0, EUR 2, KWD 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: str | int | float | Decimal, currency: str) -> int:
    """``"24.50"`` EUR → 2450, ``"1000"`` JPY → 1000, ``"1.250"`` KWD → 1250. Raises
    ``ValueError`` for what is not an amount, or has more digits than the currency has (a
    fraction of a yen): rounding someone's money is not ours to do."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"{amount!r} is not an amount of money") from None
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount of money")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more digits than {currency}'s "
                         f"{exponent(currency)} minor units")
    return int(minor)
