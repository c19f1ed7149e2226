"""What comes in, constrained where it is declared: ids, one-line names, versions and sizes.

Each limit is stated once, here, so that validation (on HTTP and on the bus) and the published
schemas (JSON Schema, AsyncAPI, the gateway's OpenAPI) say the same thing, and nothing a client
sends can fail later in the database instead (a NUL in a string, an integer past PostgreSQL's
``integer``, an infinite size).
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
ID_MAX_LENGTH = 64
ID_EXAMPLE = "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b"
# C0 and C1 control characters (NUL among them: PostgreSQL refuses it in text and jsonb)
NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f]*$"
PG_INTEGER_MAX = 2**31 - 1  # PostgreSQL ``integer``

# A UUIDv7 string (products, fonts, snapshots, keys) or a shipped font's name (``dejavu-sans``)
Id = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
                          examples=[ID_EXAMPLE])]

# A template version: stored in an ``integer`` column
Version = Annotated[int, Field(ge=1, le=PG_INTEGER_MAX)]

# JSON Schema's integer is any number without a fraction (``2450.0`` is one, and some JSON
# writers spell integers so): taken as the int it is, before a strict int's checks, which refuse
# ``true`` for 1, ``"12"`` for 12 and ``2.5``. Last in an ``Annotated[int, Field(strict=True,
# …), INTEGRAL]``, so that the field's bounds stay in its schema
def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


INTEGRAL = BeforeValidator(_integral)

# A map whose keys must match a pattern: pydantic refuses any other key, and JSON Schema's
# ``patternProperties`` alone lets other keys through, so the schema closes the map too
ONLY_PATTERN_KEYS: dict[str, Any] = {"additionalProperties": False}

# Infinity and NaN have no JSON spelling (``1e309`` parses as one), no size and no hash. Strict:
# a JSON number only (an integer is one), never ``false`` taken for 0 or ``"12"`` for 12
Finite = Annotated[float, Field(allow_inf_nan=False, strict=True)]


# Blanks and control characters, spelled out: ``\s`` means one thing to the JSON Schema's regex
# dialect (ECMAScript: no U+0085) and another to pydantic's (Unicode White_Space), so a pattern
# with it would refuse values its published schema allows
BLANKS = r"\x00-\x20\x7f-\x9f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

# An email address as RFC 5321 bounds it (a local part, one @, a domain with a dot); checked for
# shape only: whether it receives mail, only sending tells
EMAIL = (rf"^[^@{BLANKS}]{{1,64}}@[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"
         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
Email = Annotated[str, Field(max_length=254, pattern=EMAIL, examples=["orders@maison-lune.fr"])]

# A link put in an email or a page: http(s), nothing blank nor a quote or bracket that would end it
WEB_URL = rf"^https?://[^{BLANKS}\"'<>]+$"

# A one-line text a person reads back (a name, a label, a reason): no control characters; each
# use states its lengths (``name: Line = Field(min_length=1, max_length=200)``)
Line = Annotated[str, Field(pattern=NO_CONTROLS)]
