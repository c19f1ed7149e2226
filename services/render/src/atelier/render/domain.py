"""What a render is called and where it lives. Pure: no I/O, no framework."""

import re

PREVIEW = "preview"
PNG = "image/png"
RENDERS = "renders/"  # every render's object is under it

_SPEC_HASH = re.compile(r"^[0-9a-f]{64}$")


class Undrawable(Exception):
    """A spec that can never be drawn: drawing it again would fail the same way."""


def preview_key(spec_hash: str) -> str:
    """Content-addressed: the same design always lands on the same object (a repeat is a hit)."""
    if not _SPEC_HASH.fullmatch(spec_hash):
        raise Undrawable(f"spec_hash {spec_hash!r} is not a SHA-256 hex digest")
    return f"{RENDERS}{spec_hash}/preview.png"
