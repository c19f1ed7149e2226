"""Canonical form, hash and validation of a design spec. Pure: no I/O, no framework."""

import hashlib
import unicodedata
from typing import Any, NamedTuple

import rfc8785
from pydantic import ValidationError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.spec import DesignSpec, SpecValidation


class Canonical(NamedTuple):
    json: str
    hash: str


class SpecInvalid(ValueError):
    """A spec that is well-typed but has no single canonical form."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        super().__init__(" ".join(error.message for error in errors))
        self.errors = errors


def canonicalize(spec: DesignSpec, field: str = "spec") -> Canonical:
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


def validate_document(document: dict[str, Any], expected_hash: str | None) -> SpecValidation:
    """Check a spec as a client holds it: the DesignSpec schema, its canonical form, and (when
    given) that it still hashes to ``expected_hash``."""
    try:
        canonical = canonicalize(DesignSpec.model_validate(document), field="document")
    except ValidationError as exc:
        return SpecValidation(valid=False, errors=_schema_errors(exc, "document"))
    except SpecInvalid as exc:
        return SpecValidation(valid=False, errors=exc.errors)
    errors = []
    if expected_hash is not None and expected_hash != canonical.hash:
        errors.append(
            ErrorItem(
                field="spec_hash",
                code=ErrorCode.SPEC_HASH_MISMATCH,
                message=f"The document hashes to {canonical.hash}, not {expected_hash}: it was "
                "changed after hashing, or hashed without RFC 8785 canonicalization.",
            )
        )
    return SpecValidation(
        valid=not errors, spec_hash=canonical.hash, canonical_json=canonical.json, errors=errors
    )


def _schema_errors(exc: ValidationError, field: str) -> list[ErrorItem]:
    """Pydantic's errors as ``spec_invalid`` items, each naming its path in the request."""
    return [
        ErrorItem(
            field=".".join([field, *(str(part) for part in error["loc"])]),
            code=ErrorCode.SPEC_INVALID,
            message=error["msg"],
        )
        for error in exc.errors(include_url=False)
    ]
