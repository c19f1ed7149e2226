"""API keys, origins, request fingerprints and ETags. Pure: no I/O, no framework."""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from atelier.contracts import ErrorItem
from atelier.contracts.personalization import ValidationResult
from atelier.contracts.snapshot import HeldWord
from atelier.contracts.spec import FONT_OBJECTS, PHOTO_OBJECTS, font_object_key

KEY_PREFIX_LENGTH = 12  # what admins see of a key: enough to tell keys apart, useless to attack
# the only objects served without a key: content-addressed previews, brand fonts, which the
# shopper's browser loads to draw what the server measures, and product photos
PUBLIC_ASSETS = ("renders/", FONT_OBJECTS, PHOTO_OBJECTS)
# private objects, served only by a short-lived signed URL: production bundles
DOWNLOADS = ("bundles/",)
FONT_UPLOAD_TYPES = frozenset(
    {"font/ttf", "font/otf", "font/sfnt", "application/font-sfnt", "application/octet-stream"}
)
PHOTO_SIGNATURES = {b"\x89PN": "image/png", b"\xff\xd8\xff": "image/jpeg"}
DEFAULT_PORTS = {"http": 80, "https": 443}
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "glb": "model/gltf-binary",
    "usdz": "model/vnd.usdz+zip",
    "json": "application/json",
    "dxf": "image/vnd.dxf",
    "zip": "application/zip",
}


class KeyKind(StrEnum):
    PUBLISHABLE = "publishable"  # in the widget, on the storefront: pk_…
    SECRET = "secret"  # server to server and admin: sk_…

    @property
    def prefix(self) -> str:
        return "pk_" if self is KeyKind.PUBLISHABLE else "sk_"


@dataclass(frozen=True)
class IssuedKey:
    kind: KeyKind
    plaintext: str  # shown once, never stored
    prefix: str
    hash: str


def hash_key(key: str) -> str:
    """SHA-256 is enough: keys carry 192 random bits, so no dictionary or brute force applies."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(kind: KeyKind) -> IssuedKey:
    plaintext = kind.prefix + secrets.token_urlsafe(24)  # 24 bytes -> 32 url-safe characters
    return IssuedKey(kind, plaintext, plaintext[:KEY_PREFIX_LENGTH], hash_key(plaintext))


def normalize_origin(origin: str) -> str:
    """``https://Shop.example:443/`` -> ``https://shop.example``: the form browsers send."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("an origin is http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError("an origin has no path, query, fragment or user")
    if parts.port in (None, DEFAULT_PORTS[parts.scheme]):
        return f"{parts.scheme}://{parts.hostname}"
    return f"{parts.scheme}://{parts.hostname}:{parts.port}"


def request_hash(route: str, body: Any, path_params: dict[str, Any] | None = None) -> str:
    """The fingerprint an Idempotency-Key is bound to: the route (``POST /v1/x/{id}``), the values
    of its path parameters and the body, the same request in any JSON spelling.

    Without path parameters the route line is the route alone, as before they were part of it:
    the keys of ``POST /v1/snapshots`` remembered then still replay."""
    line = f"{route} {_canonical(path_params)}" if path_params else route
    return hashlib.sha256(f"{line}\n{_canonical(body)}".encode()).hexdigest()


def service_request_key(idempotency_key: str | None, fingerprint: str) -> str | None:
    """The request key the services' commands get for a client's Idempotency-Key: bound to the
    request's fingerprint too, so that it names this request and no other. Without a client key
    each call gets a key of its own (the kit makes it)."""
    if idempotency_key is None:
        return None
    return hashlib.sha256(f"{idempotency_key}\n{fingerprint}".encode()).hexdigest()


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, a list of tags, or ``*``."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def media_type_of(key: str, data: bytes = b"") -> str:
    if key.startswith(FONT_OBJECTS):
        return "font/sfnt"  # RFC 8081: TrueType and OpenType alike
    if key.startswith(PHOTO_OBJECTS):  # stored by hash alone: told by their first bytes
        return PHOTO_SIGNATURES.get(data[:3], "image/webp" if data[8:12] == b"WEBP" else
                                    "application/octet-stream")
    return MEDIA_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def is_public_asset(key: str) -> bool:
    return key.startswith(PUBLIC_ASSETS)


def font_key(data: bytes) -> str:
    """Content-addressed: the same file uploaded twice, by any brand, is one object."""
    return font_object_key(hashlib.sha256(data).hexdigest())


def is_font_upload(content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type in FONT_UPLOAD_TYPES


def key_actor(key_prefix: str) -> str:
    """Who approved or locked a snapshot, as the snapshot records it."""
    return f"key:{key_prefix}"


def asset_url(object_key: str) -> str:
    return f"/v1/assets/{object_key}"


def design_errors(result: ValidationResult) -> list[ErrorItem]:
    """Every error of an invalid design, each zone error under its zone key."""
    by_zone = [
        error.model_copy(update={"field": zone.zone})
        for zone in result.zones
        for error in zone.errors
    ]
    return [*by_zone, *result.errors]


def held_words(result: ValidationResult) -> list[HeldWord]:
    """The words for review of a valid design, zone by zone: recorded with its snapshot."""
    return [
        HeldWord(zone=zone.zone, entry=match.entry, source=match.source,
                 position=match.position, matched=match.matched)
        for zone in result.zones
        for match in zone.review
    ]
def is_download(key: str) -> bool:
    return key.startswith(DOWNLOADS)


def download_signature(secret: str, key: str, expires: int) -> str:
    """HMAC-SHA256 of the object key and the link's expiry (Unix seconds), hex."""
    message = f"{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def download_url(secret: str, key: str, expires: int) -> str:
    """The gateway's own signed link to a private object (for a store without signed URLs)."""
    return (f"/v1/downloads/{key}?expires={expires}"
            f"&signature={download_signature(secret, key, expires)}")


class DownloadRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_download(secret: str, key: str, expires: int, signature: str, now: float) -> None:
    """Raises ``DownloadRefused`` for a link that was altered (any part: key, expiry or
    signature; compared in constant time) or is past its expiry."""
    expected = download_signature(secret, key, expires)
    if not is_download(key) or not hmac.compare_digest(expected, signature):
        raise DownloadRefused("download_link_invalid",
                              "This download link is not valid: ask for a new one.")
    if now >= expires:
        raise DownloadRefused("download_link_expired",
                              "This download link has expired: ask for a new one.")
