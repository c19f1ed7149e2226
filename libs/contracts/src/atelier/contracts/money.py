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


# the active ISO 4217 codes (list one, 2024): a price in anything else is refused, not guessed
CURRENCIES: frozenset[str] = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())


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


def line_total(unit_minor: int, quantity: int, discount_minor: int = 0) -> int:
    """``quantity`` units at ``unit_minor`` less ``discount_minor``, all in minor units of one
    currency: exact integers, and never below nothing (a discount larger than the line is the
    caller's mistake, not a credit)."""
    if unit_minor < 0 or quantity < 1 or discount_minor < 0:
        raise ValueError("a unit price and a discount are never negative, a quantity at least 1")
    gross = unit_minor * quantity
    if discount_minor > gross:
        raise ValueError(f"a discount of {discount_minor} exceeds the line's {gross}")
    return gross - discount_minor
