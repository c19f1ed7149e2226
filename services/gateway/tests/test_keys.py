"""A brand's API keys through the admin API: made (shown once), listed (never shown again),
rotated and revoked; the last secret key stays; another brand's keys are out of reach."""

import asyncpg
from litestar.testing import AsyncTestClient

from .conftest import Brand, make_brand
from .test_access import codes


async def test_a_new_key_is_shown_once_works_and_is_listed_without_itself(
    client: AsyncTestClient, brand: Brand, product: str, db: asyncpg.Connection,
) -> None:
    made = await client.post("/v1/admin/keys", json={"kind": "publishable"}, headers=brand.admin)
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    issued = made.json()
    assert issued["key"].startswith("pk_") and issued["key_prefix"] == issued["key"][:12]
    validated = await client.post("/v1/personalization/validate",
                                  json={"product_id": product, "values": {"name": "Ada"}},
                                  headers={"X-Atelier-Key": issued["key"]})
    assert validated.status_code == 200
    listed = (await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]
    assert [(k["kind"], k["revoked_at"]) for k in listed] == [
        ("publishable", None), ("secret", None), ("publishable", None)]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    stored = await db.fetchval("SELECT key_hash FROM gateway.api_keys WHERE id=$1", issued["id"])
    assert issued["key"] not in stored  # only its hash is kept


async def test_rotating_the_widget_key_revokes_the_old_one_at_once(
    client: AsyncTestClient, brand: Brand, product: str,
) -> None:
    design = {"product_id": product, "values": {"name": "Ada"}}
    # the old key is in use (and so in the gateway's key cache)
    assert (await client.post("/v1/personalization/validate", json=design,
                              headers=brand.widget)).status_code == 200
    new = (await client.post("/v1/admin/keys", json={"kind": "publishable"},
                             headers=brand.admin)).json()["key"]
    listed = (await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]
    old = next(k for k in listed if brand.publishable.startswith(k["key_prefix"]))
    revoked = await client.post(f"/v1/admin/keys/{old['id']}/revoke", headers=brand.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = await client.post("/v1/personalization/validate", json=design, headers=brand.widget)
    assert (refused.status_code, codes(refused)) == (401, ["invalid_api_key"])
    assert (await client.post("/v1/personalization/validate", json=design,
                              headers={"X-Atelier-Key": new})).status_code == 200
    again = await client.post(f"/v1/admin/keys/{old['id']}/revoke", headers=brand.admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # nothing changes


async def test_the_last_secret_key_cannot_be_revoked(
    client: AsyncTestClient, brand: Brand,
) -> None:
    listed = (await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]
    [secret] = [k for k in listed if k["kind"] == "secret"]
    refused = await client.post(f"/v1/admin/keys/{secret['id']}/revoke", headers=brand.admin)
    assert (refused.status_code, codes(refused)) == (409, ["conflict"])
    assert (await client.get("/v1/admin/keys", headers=brand.admin)).status_code == 200
    # with a second one made first, the old one goes
    second = (await client.post("/v1/admin/keys", json={"kind": "secret"},
                                headers=brand.admin)).json()["key"]
    bearer = {"Authorization": f"Bearer {second}"}
    assert (await client.post(f"/v1/admin/keys/{secret['id']}/revoke",
                              headers=bearer)).status_code == 200
    assert (await client.get("/v1/admin/keys", headers=brand.admin)).status_code == 401


async def test_keys_need_the_secret_key_and_stay_within_their_brand(
    client: AsyncTestClient, brand: Brand,
) -> None:
    widget = await client.post("/v1/admin/keys", json={"kind": "secret"}, headers=brand.widget)
    assert (widget.status_code, codes(widget)) == (403, ["wrong_key_kind"])
    other = await make_brand(client)
    theirs = (await client.get("/v1/admin/keys", headers=other.admin)).json()["keys"]
    for key in theirs:
        refused = await client.post(f"/v1/admin/keys/{key['id']}/revoke", headers=brand.admin)
        assert (refused.status_code, codes(refused)) == (404, ["not_found"])
    bad = await client.post("/v1/admin/keys", json={"kind": "master"}, headers=brand.admin)
    assert bad.status_code == 400  # a kind that does not exist
    assert len((await client.get("/v1/admin/keys", headers=brand.admin)).json()["keys"]) == 2
