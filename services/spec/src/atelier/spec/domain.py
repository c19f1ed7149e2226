"""Validation of a design spec as a client holds it. Pure: no I/O, no framework."""

from typing import Any

from pydantic import ValidationError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.canonical import SpecInvalid, canonicalize
from atelier.contracts.spec import SPEC_VERSIONS, SpecValidation


def validate_document(document: dict[str, Any], expected_hash: str | None) -> SpecValidation:
    """Check a spec as a client holds it: the DesignSpec schema (either version), its
    canonical form, and (when given) that it still hashes to ``expected_hash``."""
    # checked against the model of its own version, so that errors name the fields as sent
    model = SPEC_VERSIONS.get(document.get("spec_version"))  # type: ignore[arg-type]
    if model is None:
        versions = " or ".join(map(str, SPEC_VERSIONS))
        return SpecValidation(valid=False, errors=[ErrorItem(
            field="document.spec_version", code=ErrorCode.SPEC_INVALID,
            message=f"spec_version must be {versions}.")])
    try:
        canonical = canonicalize(model.validate_python(document), field="document")
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
