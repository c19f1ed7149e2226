"""Production bundles through the gateway: exports queued by the brand's secret key or admins
only, work orders read back with a short-lived signed link, and downloads refused once the link
is altered or expired (tests-e2e runs the real manufacturing service behind it)."""

import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from litestar.testing import AsyncTestClient

from atelier.contracts.snapshot import SnapshotStatus, SnapshotView
from atelier.gateway import domain
from atelier.gateway.settings import GatewaySettings

from .conftest import Brand, FakeServices, make_brand


def a_snapshot(services: FakeServices, brand: Brand,
               status: SnapshotStatus = SnapshotStatus.VALIDATED) -> str:
    view = SnapshotView(id=f"snap-{len(services.snapshots)}", product_id="p-1", spec_hash="0" * 64,
                        template_version=1, status=status, created_at=datetime.now(UTC))
    services.snapshots[(brand.id, view.id)] = view
    return view.id


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["code"] for e in response.json()["errors"]]


async def test_an_export_is_queued_and_its_bundle_downloaded_by_a_signed_link(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    snapshot_id = a_snapshot(services, brand)
    queued = await client.post("/v1/manufacturing/export-pack", headers=brand.admin,
                               json={"snapshot_id": snapshot_id, "profile": "laser"})
    assert queued.status_code == 202, queued.text
    assert (queued.json()["status"], queued.json()["download_url"]) == ("pending", None)
    order = await client.get(f"/v1/manufacturing/work-orders/{queued.json()['id']}",
                             headers=brand.admin)
    assert order.status_code == 200 and order.json()["status"] == "ready"
    url = order.json()["download_url"]
    assert url.startswith(f"/v1/downloads/bundles/{brand.id}/")
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    assert 0 < expires - time.time() <= 300
    bundle = await client.get(url)  # no key: the link is the credential
    assert bundle.status_code == 200
    assert bundle.content.startswith(b"PK") and bundle.headers["content-type"] == "application/zip"
    assert bundle.headers["cache-control"] == "private, no-store"
    assert bundle.headers["content-disposition"] == f'attachment; filename="{snapshot_id}.zip"'
    key = urlsplit(url).path.removeprefix("/v1/downloads/")
    assert (await client.get(f"/v1/assets/{key}")).status_code == 404  # never a public asset

    again = await client.post(f"/v1/manufacturing/work-orders/{queued.json()['id']}/export",
                              headers=brand.admin)
    assert again.status_code == 202 and again.json()["status"] == "pending"


async def test_an_altered_or_expired_link_is_refused(
    client: AsyncTestClient, brand: Brand, services: FakeServices, settings: GatewaySettings
) -> None:
    queued = await client.post("/v1/manufacturing/export-pack", headers=brand.admin,
                               json={"snapshot_id": a_snapshot(services, brand)})
    order = await client.get(f"/v1/manufacturing/work-orders/{queued.json()['id']}",
                             headers=brand.admin)
    url = order.json()["download_url"]
    path, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
    key, expires, signature = (path.removeprefix("/v1/downloads/"), int(query["expires"][0]),
                               query["signature"][0])
    secret = settings.download_secret.get_secret_value()
    later = f"{path}?expires={expires + 3600}&signature={signature}"
    forged = f"{path}?expires={expires}&signature={'0' * 64}"
    other = domain.download_url(secret, "renders/" + "0" * 64 + "/mockup-front.jpg", expires)
    for altered in (later, forged, other):
        refused = await client.get(altered)
        assert (refused.status_code, codes(refused)) == (403, ["download_link_invalid"]), altered
    expired = domain.download_url(secret, key, int(time.time()) - 1)
    refused = await client.get(expired)
    assert (refused.status_code, codes(refused)) == (403, ["download_link_expired"])
    assert refused.headers["content-type"] == "application/problem+json"


async def test_only_the_brands_secret_key_or_admins_export(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    body = {"snapshot_id": a_snapshot(services, brand)}
    assert (await client.post("/v1/manufacturing/export-pack", json=body)).status_code == 401
    widget = await client.post("/v1/manufacturing/export-pack", json=body, headers=brand.widget)
    assert widget.status_code == 403
    other = await make_brand(client)
    unknown = await client.post("/v1/manufacturing/export-pack", json=body, headers=other.admin)
    assert (unknown.status_code, codes(unknown)) == (404, ["not_found"])
    created = {"snapshot_id": a_snapshot(services, brand, SnapshotStatus.CREATED)}
    refused = await client.post("/v1/manufacturing/export-pack", json=created,
                                headers=brand.admin)
    assert (refused.status_code, codes(refused)) == (409, ["snapshot_not_validated"])
    bad = await client.post("/v1/manufacturing/export-pack", headers=brand.admin,
                            json={**body, "profile": "Not A Profile"})
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["field"] == "profile"
