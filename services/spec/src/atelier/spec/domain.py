"""Canonical form and hash of a design spec. Pure: no I/O, no framework."""

import hashlib

import rfc8785

from atelier.contracts.spec import DesignSpec


def canonical_json(spec: DesignSpec) -> str:
    """RFC 8785 (JCS): sorted keys, no insignificant whitespace, ECMAScript number spelling."""
    return rfc8785.dumps(spec.model_dump(mode="json")).decode()


def spec_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()
