"""Who sent a webhook: the providers' signatures, checked in constant time, and their event ids.

Pure functions of the raw body and headers; no I/O and no clock of their own (``now`` is given).
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping


class SignatureRefused(Exception):
    """The delivery is not the provider's (or not any more): the reason says which check."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A Shopify header with or without its ``X-`` prefix (Shopify sends both spellings)."""
    return headers.get(name) or headers.get(name.removeprefix("X-"))


def check_shopify(body: bytes, signature: str | None, secrets: Iterable[str]) -> None:
    """``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of the raw body under the shop's
    secret; any of ``secrets`` (two during a rotation)."""
    if not signature:
        raise SignatureRefused("the X-Shopify-Hmac-Sha256 header is missing")
    given = signature.strip().encode()
    for secret in secrets:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        if hmac.compare_digest(base64.b64encode(digest), given):
            return
    raise SignatureRefused("the HMAC does not match the shop's secret")


def check_stripe(body: bytes, signature: str | None, secrets: Iterable[str], now: float,
                 tolerance_s: float) -> None:
    """``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=…]``: the HMAC-SHA256 of ``"{t}.{body}"``
    under the endpoint's secret; any v1 under any of ``secrets``, the time within
    ``tolerance_s`` of ``now`` (replays of an old delivery are refused)."""
    if not signature:
        raise SignatureRefused("the Stripe-Signature header is missing")
    timestamp, candidates = None, []
    for item in signature.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value.encode())
    if timestamp is None or not timestamp.isdigit() or not candidates:
        raise SignatureRefused("the Stripe-Signature header has no timestamp or no v1 signature")
    if abs(now - int(timestamp)) > tolerance_s:
        raise SignatureRefused(f"the signature's timestamp is more than {tolerance_s:g} s away")
    signed = timestamp.encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return
    raise SignatureRefused("no v1 signature matches the endpoint's secret")
