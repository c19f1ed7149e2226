"""Rules of snapshots. Pure: no I/O, no framework."""

import re

from atelier.contracts import ErrorCode, ErrorItem

SPEC_HASH = re.compile(r"[0-9a-f]{64}")


def spec_hash_errors(spec_hash: str) -> list[ErrorItem]:
    """The spec service names a design by the SHA-256 of its canonical JSON, in lowercase hex."""
    if SPEC_HASH.fullmatch(spec_hash):
        return []
    return [
        ErrorItem(
            field="spec_hash",
            code=ErrorCode.INVALID_FIELD,
            message="spec_hash must be 64 lowercase hexadecimal characters (a SHA-256 digest "
            "as returned by the spec service).",
        )
    ]
