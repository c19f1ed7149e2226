"""With S3 object storage, a ready work order's download URL is the store's own presigned URL,
short-lived, and the bundle is fetched from the store with it (moto plays S3; it does not check
signatures, so the gateway's own signed links are tested in test_manufacturing)."""

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from atelier.gateway.settings import GatewaySettings
from atelier.kit.storage import ObjectStore, store_from_settings
from atelier.kit.testing.plugin import unique

from .conftest import PLATFORM_TOKEN, Brand, FakeServices
from .test_manufacturing import a_snapshot


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings], s3_endpoint: str) -> GatewaySettings:
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, storage_backend="s3",
                       s3_endpoint=s3_endpoint, s3_access_key="testing",
                       s3_secret_key="testing", s3_bucket=unique("bucket-"))


@pytest.fixture
def store(settings: GatewaySettings) -> ObjectStore:
    return store_from_settings(settings)


async def test_the_download_url_is_the_stores_presigned_url(
    client: AsyncTestClient, brand: Brand, services: FakeServices
) -> None:
    queued = await client.post("/v1/manufacturing/export-pack", headers=brand.admin,
                               json={"snapshot_id": a_snapshot(services, brand)})
    assert queued.status_code == 202, queued.text
    order = await client.get(f"/v1/manufacturing/work-orders/{queued.json()['id']}",
                             headers=brand.admin)
    url = order.json()["download_url"]
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("http") and "X-Amz-Signature" in query
    assert query["X-Amz-Expires"] == ["300"]
    async with httpx.AsyncClient() as s3:
        fetched = await s3.get(url)
    assert fetched.status_code == 200 and fetched.content.startswith(b"PK")
