"""Brand users' JWTs on the admin API: a shared secret (HS256, as Supabase) and a JWKS URL served
over real HTTP (RS256, with a key rotation); claims, roles and every refusal."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import AsyncTestClient

from atelier.gateway.settings import GatewaySettings

from .conftest import PLATFORM_TOKEN, Brand, FakeServices, make_brand, make_product, zone

SECRET = "supabase-project-jwt-secret-for-tests-0123456789"


def claims(brand_id: str | None, role: str | None = "admin", **changes: Any) -> dict[str, Any]:
    metadata = {k: v for k, v in (("brand_id", brand_id), ("atelier_role", role)) if v}
    return {"sub": "user-1", "aud": "authenticated", "role": "authenticated",
            "exp": int(time.time()) + 600, "app_metadata": metadata, **changes}


def hs256(payload: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, algorithm='HS256')}"}


def hmac_signed(payload: dict[str, Any], secret: bytes, kid: str) -> dict[str, str]:
    """HS256 by hand: PyJWT itself refuses to sign with a public key as the secret."""
    def part(data: dict[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")

    signing_input = part({"alg": "HS256", "typ": "JWT", "kid": kid}) + b"." + part(payload)
    mac = hmac.new(secret, signing_input, hashlib.sha256).digest()
    token = signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")
    return {"Authorization": f"Bearer {token.decode()}"}


def errors(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


# --- a shared secret ---------------------------------------------------------------------------


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings]) -> GatewaySettings:
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, admin_jwt_secret=SECRET)


async def test_an_admin_acts_for_the_brand_in_the_token_and_is_recorded_as_the_user(
    client: AsyncTestClient, brand: Brand, product: str, services: FakeServices,
) -> None:
    admin = hs256(claims(brand.id))
    created = await client.post("/v1/admin/products", headers=admin,
                                json={"name": "Ring", "zones": [zone()]})
    assert created.status_code == 201, created.text
    assert (await client.get(f"/v1/admin/products/{product}", headers=admin)).status_code == 200
    snapshot = await client.post("/v1/snapshots", headers=brand.widget,
                                 json={"product_id": product, "values": {"name": "Ada"}})
    validated = await client.post(f"/v1/admin/snapshots/{snapshot.json()['id']}/validate",
                                  headers=admin)
    assert validated.json()["validated_by"] == "user:user-1"
    # the token names the brand: another brand's products are not there for it
    other = await make_brand(client)
    theirs = await make_product(client, other)
    assert (await client.get(f"/v1/admin/products/{theirs}", headers=admin)).status_code == 404


async def test_a_viewer_reads_and_may_not_write(client: AsyncTestClient, brand: Brand) -> None:
    viewer = hs256(claims(brand.id, role="viewer"))
    assert (await client.get("/v1/admin/fonts", headers=viewer)).status_code == 200
    refused = await client.put("/v1/admin/word-list", headers=viewer,
                               json={"blocked": ["x"], "allowed": []})
    assert (refused.status_code, errors(refused)) == (403, [("Authorization", "role_not_allowed")])


@pytest.mark.parametrize(("payload", "secret", "status", "code"), [
    ({"exp": int(time.time()) - 120}, SECRET, 401, "invalid_token"),
    ({}, "another-secret-another-secret-another-secret", 401, "invalid_token"),
    ({"aud": "anon"}, SECRET, 401, "invalid_token"),
    ({"sub": None}, SECRET, 401, "invalid_token"),
    ({"app_metadata": {"atelier_role": "admin"}}, SECRET, 403, "role_not_allowed"),
    ({"app_metadata": {}, "user_metadata": {"brand_id": "BRAND", "atelier_role": "admin"}},
     SECRET, 403, "role_not_allowed"),  # a user may write user_metadata: not trusted
    ({"app_metadata": {"brand_id": "BRAND", "atelier_role": "owner"}}, SECRET, 403,
     "role_not_allowed"),
])
async def test_tokens_that_are_refused(
    client: AsyncTestClient, brand: Brand, payload: dict[str, Any], secret: str, status: int,
    code: str,
) -> None:
    changes = json.loads(json.dumps(payload).replace("BRAND", brand.id))
    body = {k: v for k, v in {**claims(brand.id), **changes}.items() if v is not None}
    refused = await client.get("/v1/admin/fonts", headers=hs256(body, secret))
    assert (refused.status_code, errors(refused)) == (status, [("Authorization", code)])


async def test_a_token_is_not_an_api_key_on_widget_routes(
    client: AsyncTestClient, brand: Brand, product: str,
) -> None:
    token = hs256(claims(brand.id))["Authorization"].removeprefix("Bearer ")
    refused = await client.post("/v1/personalization/validate", headers={"X-Atelier-Key": token},
                                json={"product_id": product, "values": {"name": "Ada"}})
    assert (refused.status_code, errors(refused)) == (401, [("X-Atelier-Key", "invalid_api_key")])


# --- a JWKS URL --------------------------------------------------------------------------------


class Issuer:
    """Publishes its keys' JWKS over HTTP, as Supabase or any OpenID provider does."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.rotate()

    def rotate(self) -> str:
        kid = f"key-{len(self.keys) + 1}"
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        return kid

    @property
    def kid(self) -> str:
        return next(iter(self.keys))

    def jwks(self) -> bytes:
        public = []
        for kid, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            public.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return json.dumps({"keys": public}).encode()

    def sign(self, payload: dict[str, Any]) -> dict[str, str]:
        token = jwt.encode(payload, self.keys[self.kid], algorithm="RS256",
                           headers={"kid": self.kid})
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def issuer() -> Iterator[tuple[Issuer, str]]:
    state = Issuer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            state.fetches += 1
            body = state.jwks()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/auth/v1/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def jwks_settings(
    settings_of: Callable[..., GatewaySettings], issuer: tuple[Issuer, str]
) -> GatewaySettings:
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, admin_jwks_url=issuer[1],
                       admin_jwt_issuer="https://project.supabase.co/auth/v1")


class TestJwks:
    @pytest.fixture
    def settings(self, jwks_settings: GatewaySettings) -> GatewaySettings:
        return jwks_settings

    async def test_tokens_signed_by_the_published_keys_pass_and_a_rotation_is_followed(
        self, client: AsyncTestClient, brand: Brand, issuer: tuple[Issuer, str],
    ) -> None:
        state, _ = issuer
        payload = claims(brand.id, iss="https://project.supabase.co/auth/v1")
        for _ in range(3):
            answer = await client.get("/v1/admin/fonts", headers=state.sign(payload))
            assert answer.status_code == 200, answer.text
        assert state.fetches == 1  # the keys are kept
        client.app.state.admin_tokens.refetch_after_s = 0  # (30 s, not to wait them here)
        state.rotate()  # the issuer signs with a new key from now on
        assert (await client.get("/v1/admin/fonts", headers=state.sign(payload))
                ).status_code == 200
        assert state.fetches == 2

    async def test_refused_an_unknown_key_an_other_issuer_and_a_secret_made_of_the_public_key(
        self, client: AsyncTestClient, brand: Brand, issuer: tuple[Issuer, str],
    ) -> None:
        state, _ = issuer
        good = claims(brand.id, iss="https://project.supabase.co/auth/v1")
        stranger = Issuer()  # signs with a key the issuer never published
        for _ in range(3):
            forged = await client.get("/v1/admin/fonts", headers=stranger.sign(good))
            assert (forged.status_code, errors(forged)) == (
                401, [("Authorization", "invalid_token")])
        assert state.fetches == 1  # unknown keys do not make us fetch the set again and again
        other = await client.get("/v1/admin/fonts",
                                 headers=state.sign({**good, "iss": "https://evil.example"}))
        assert other.status_code == 401
        # the classic confusion: HS256 keyed with the public key; only the key's alg counts
        public = state.keys[state.kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        confused = await client.get("/v1/admin/fonts", headers=hmac_signed(good, public,
                                                                             state.kid))
        assert (confused.status_code, errors(confused)) == (
            401, [("Authorization", "invalid_token")])
