"""Brand users' tokens for the admin API (DESIGN §8): JWTs with Supabase-compatible claims,
verified with a shared secret (HS256, Supabase's project JWT secret) or against the keys of a
JWKS URL (RS256, ES256, EdDSA: the algorithm comes from the key, never from the token).

A token must carry ``sub`` (the user) and ``exp``, match the configured ``aud`` (Supabase:
``authenticated``) and, when configured, ``iss``. The brand and the user's Atelier role are read
from ``app_metadata`` (``brand_id``; ``atelier_role``: ``admin`` for everything, ``viewer`` to
read): only the server can write ``app_metadata``, while a user may edit their own
``user_metadata``, so nothing there is trusted.

JWKS keys are fetched when first needed and kept ``jwks_ttl_s``. A token signed by a key the set
does not have (the issuer rotated its keys) fetches the set again, at most once every
``refetch_after_s`` (30 s), so that tokens with invented key ids cannot make us hammer the issuer.
"""

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
import jwt

from atelier.contracts import ErrorCode, ErrorItem
from atelier.gateway.settings import GatewaySettings
from atelier.kit.cache import TtlCache
from atelier.kit.errors import Forbidden, Unauthorized, Unavailable

REFETCH_AFTER_S = 30.0
LEEWAY_S = 30  # clocks of the issuer and ours may disagree a little


class Role(StrEnum):
    ADMIN = "admin"
    VIEWER = "viewer"


@dataclass(frozen=True)
class BrandUser:
    brand_id: str
    user: str
    role: Role


def looks_like_token(credential: str) -> bool:
    """A JWT (three base64url parts), not an Atelier key (``sk_…``, ``pk_…``)."""
    return credential.count(".") == 2 and not credential.startswith(("sk_", "pk_"))


def _invalid(message: str) -> Unauthorized:
    return Unauthorized(message, [ErrorItem(field="Authorization", code=ErrorCode.INVALID_TOKEN,
                                            message=message)])


class AdminTokens:
    def __init__(
        self, settings: GatewaySettings, refetch_after_s: float = REFETCH_AFTER_S
    ) -> None:
        self.secret = settings.admin_jwt_secret
        self.jwks_url = settings.admin_jwks_url
        self.audience = settings.admin_jwt_audience
        self.issuer = settings.admin_jwt_issuer
        self._sets: TtlCache[jwt.PyJWKSet] = TtlCache(maxsize=1, ttl_s=settings.admin_jwks_ttl_s)
        self.refetch_after_s = refetch_after_s
        self._fetched_at = -refetch_after_s

    @property
    def enabled(self) -> bool:
        return self.secret is not None or self.jwks_url is not None

    async def verify(self, token: str) -> BrandUser:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise _invalid("The token is not a JWT.") from None
        if header.get("alg") == "HS256" and self.secret is not None:
            key: Any = self.secret.get_secret_value()
            algorithm = "HS256"
        elif self.jwks_url is not None and header.get("alg") != "HS256":
            jwk = await self._key(str(header.get("kid", "")))
            key, algorithm = jwk.key, jwk.algorithm_name
        else:
            raise _invalid("The token is not signed in a way this gateway accepts.")
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.audience, issuer=self.issuer,
                leeway=LEEWAY_S, options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid("The token has expired.") from None
        except jwt.InvalidTokenError as exc:
            raise _invalid(f"The token is not valid: {exc}.") from None
        return _brand_user(claims)

    async def _key(self, kid: str) -> jwt.PyJWK:
        key = _find(await self._sets.get_or_load("jwks", self._fetch), kid)
        if key is None and time.monotonic() - self._fetched_at >= self.refetch_after_s:
            keys = await self._fetch()  # the issuer may have rotated its keys
            self._sets.put("jwks", keys)
            key = _find(keys, kid)
        if key is None:
            raise _invalid("The token is signed by a key the issuer does not publish.")
        return key

    async def _fetch(self) -> jwt.PyJWKSet:
        assert self.jwks_url is not None
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=5.0) as http:  # rare: once per TTL or rotation
                response = await http.get(self.jwks_url)
            response.raise_for_status()
            return jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWKError) as exc:
            raise Unavailable(f"The issuer's keys could not be read: {exc}",
                              [ErrorItem(field="Authorization", code=ErrorCode.UNAVAILABLE,
                                         message="The token issuer's keys are unavailable.")]
                              ) from exc


def _find(keys: jwt.PyJWKSet | None, kid: str) -> jwt.PyJWK | None:
    return next((key for key in keys.keys if key.key_id == kid), None) if keys else None


def _brand_user(claims: dict[str, Any]) -> BrandUser:
    metadata = claims.get("app_metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    brand_id, role = metadata.get("brand_id"), metadata.get("atelier_role")
    if not isinstance(brand_id, str) or not brand_id:
        raise Forbidden("No brand in the token.", [ErrorItem(
            field="Authorization", code=ErrorCode.ROLE_NOT_ALLOWED,
            message="The token's app_metadata names no brand_id.")])
    if role not in set(Role):
        raise Forbidden("No Atelier role in the token.", [ErrorItem(
            field="Authorization", code=ErrorCode.ROLE_NOT_ALLOWED,
            message="The token's app_metadata.atelier_role is not admin or viewer.")])
    return BrandUser(brand_id=brand_id, user=str(claims["sub"]), role=Role(role))
