"""Pure rules of the emails: which language, which Message-ID, who may be written to, what an
SMTP answer means, the signed unsubscribe token. No I/O."""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Literal

from atelier.contracts.money import exponent
from atelier.contracts.notification import EmailTemplate, SuppressionReason

LOCALES = ("en", "fr")
FALLBACK_LOCALE = "en"
Delivery = Literal["at_least_once", "at_most_once"]

# What a sender dying between handing the email to the SMTP server and marking it sent costs.
# An email people act on (a receipt, a tracking link, an error to fix) is sent again with the
# same Message-ID (receivers and the ops mailbox collapse duplicates on it): at least once. The
# optional render-ready email is never sent twice: at most once.
DELIVERY: dict[EmailTemplate, Delivery] = {
    EmailTemplate.ORDER_CONFIRMATION: "at_least_once",
    EmailTemplate.ORDER_SHIPPED: "at_least_once",
    EmailTemplate.PRODUCTION_ERROR: "at_least_once",
    EmailTemplate.RENDER_READY: "at_most_once",
}
OPTIONAL = frozenset({EmailTemplate.RENDER_READY})  # an unsubscribe link, and the header


def choose_locale(order_locale: str | None, brand_default: str | None) -> str:
    """The order's language (``fr-CA`` → ``fr``) when we have it, else the brand's default,
    else English."""
    for candidate in (order_locale, brand_default):
        language = (candidate or "").replace("_", "-").split("-")[0].lower()
        if language in LOCALES:
            return language
    return FALLBACK_LOCALE


def message_id(event_id: str, template: str, recipient: str, domain: str) -> str:
    """The same Message-ID for every attempt of one (event, template, recipient): receivers
    drop a copy they already have. Nothing personal in it (a hash)."""
    digest = hashlib.sha256(f"{event_id}\0{template}\0{recipient.lower()}".encode()).hexdigest()
    return f"<{digest[:40]}@{domain}>"


def redact(address: str) -> str:
    """An address as logs show it: a short hash, the same for the same address (to follow one
    recipient's emails in the logs without writing who it is)."""
    return "addr-" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:12]


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def sender_allowed(address: str, domains: list[str]) -> bool:
    """Whether ``address`` is at one of ``domains`` (or a subdomain of one)."""
    domain = domain_of(address)
    return any(domain == d.lower() or domain.endswith("." + d.lower()) for d in domains)


def suppresses(reason: SuppressionReason | None, template: EmailTemplate) -> bool:
    """Whether an address on the list with ``reason`` gets no ``template``: a bounced address
    gets nothing (its server refused it for good), an unsubscribed one no optional email."""
    if reason is None:
        return False
    return reason is SuppressionReason.BOUNCED or template in OPTIONAL


@dataclass(frozen=True)
class SmtpVerdict:
    permanent: bool
    reason: str
    bounced: bool = False  # the recipient's address itself was refused for good


def smtp_verdict(code: int | None, message: str, recipient_refused: bool = False
                 ) -> SmtpVerdict:
    """What an SMTP failure means: a 5xx reply is permanent (recorded, never retried; a 5xx
    refusing the recipient also puts the address on the suppression list); a 4xx, a refused
    connection, a timeout or a dropped connection (no code) is temporary."""
    reason = f"{code} {message}".strip() if code else message
    reason = re.sub(r"[\x00-\x1f]+", " ", reason)[:1000]
    if code is not None and 500 <= code < 600:
        return SmtpVerdict(True, reason, bounced=recipient_refused)
    return SmtpVerdict(False, reason)


def format_money(minor: int, currency: str, locale: str) -> str:
    """``€69.90`` in English, ``69,90 €`` in French (exact: minor units, the currency's
    exponent)."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places) if places else (abs(minor), 0)
    symbol = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}.get(currency, currency)
    if locale == "fr":
        grouped = f"{whole:,}".replace(",", "\u202f")
        number = f"{grouped},{part:0{places}d}" if places else grouped
        return f"{sign}{number}\u00a0{symbol}"
    number = f"{whole:,}.{part:0{places}d}" if places else f"{whole:,}"
    return f"{sign}{symbol}{number}" if len(symbol) == 1 else f"{sign}{number} {symbol}"


# --- the unsubscribe link ------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unsubscribe_token(secret: str, brand_id: str, address: str) -> str:
    """``<payload>.<signature>``: the brand and the address, signed (HMAC-SHA256) so that no one
    unsubscribes an address they were not sent to. It does not expire: an unsubscribe link in
    an old email must keep working (RFC 8058)."""
    payload = _b64(json.dumps({"b": brand_id, "a": address.lower()},
                              separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    """(brand id, address) of a token we signed, or None."""
    payload, _, signature = token.partition(".")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(payload))
        return str(claims["b"]), str(claims["a"])
    except (ValueError, KeyError, TypeError):
        return None
