"""A design spec's one canonical JSON and its SHA-256, the ``spec_hash`` that names a design
everywhere (specs, snapshots, orders, production files): the spec service computes it, the
snapshot service checks it."""

import hashlib
import unicodedata
from typing import NamedTuple

import rfc8785

from atelier.contracts.errors import ErrorCode, ErrorItem
from atelier.contracts.spec import DesignSpec, DesignSpecV1


class Canonical(NamedTuple):
    json: str
    hash: str


class SpecInvalid(ValueError):
    """A spec that is well-typed but has no single canonical form."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        super().__init__(" ".join(error.message for error in errors))
        self.errors = errors


def canonicalize(spec: DesignSpecV1 | DesignSpec, field: str = "spec") -> Canonical:
    """RFC 8785 (JCS: sorted keys, no insignificant whitespace, ECMAScript number spelling) and
    its SHA-256. ``field`` is where the spec sits in the request, to name it in errors."""
    # composed and decomposed accents look the same but hash differently: only NFC is accepted,
    # so one design never has two hashes
    errors = [
        ErrorItem(
            field=f"{field}.zones.{index}.text",
            code=ErrorCode.SPEC_INVALID,
            message="The text is not in Unicode NFC (composed) form: normalize it to NFC.",
        )
        for index, zone in enumerate(spec.zones)
        if not unicodedata.is_normalized("NFC", zone.text)
    ]
    if errors:
        raise SpecInvalid(errors)
    try:
        canonical = rfc8785.dumps(spec.model_dump(mode="json")).decode()
    except rfc8785.CanonicalizationError as exc:  # e.g. a lone surrogate in a text
        raise SpecInvalid(
            [ErrorItem(field=field, code=ErrorCode.SPEC_INVALID,
                       message=f"The spec has no canonical JSON form: {exc}.")]
        ) from exc
    return Canonical(canonical, hashlib.sha256(canonical.encode()).hexdigest())
