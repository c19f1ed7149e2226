"""Both object stores behave alike; S3Store runs against a real S3-speaking server (moto)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from atelier.kit.storage import LocalStore, ObjectNotFound, ObjectStore, S3Store
from atelier.kit.testing.plugin import unique

PNG = b"\x89PNG\r\n\x1a\n not really a picture"


def s3_store(endpoint: str) -> S3Store:
    # a fresh bucket per test: S3Store creates it on first write
    return S3Store(endpoint, "testing", "testing", unique("bucket-"), secure=False)


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "objects")
    else:
        yield s3_store(request.getfixturevalue("s3_endpoint"))


async def test_put_then_get_and_exists(store: ObjectStore) -> None:
    key = "renders/abc/preview.png"
    assert not await store.exists(key)
    await store.put(key, PNG, "image/png")
    assert await store.exists(key)
    assert await store.get(key) == PNG


async def test_put_replaces_an_object(store: ObjectStore) -> None:
    await store.put("a/b.txt", b"first", "text/plain")
    await store.put("a/b.txt", b"second", "text/plain")
    assert await store.get("a/b.txt") == b"second"


async def test_a_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        await store.get("renders/nothing/here.png")
    await store.put("renders/something.png", PNG, "image/png")
    with pytest.raises(ObjectNotFound):
        await store.get("renders/nothing/here.png")


@pytest.mark.parametrize(
    "key", ["../escape.txt", "renders/../../escape.txt", "/etc/passwd", "a//b", "a/./b", "", "a/"]
)
async def test_keys_that_could_leave_the_store_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="invalid object key"):
        await store.put(key, b"x", "text/plain")
    with pytest.raises(ValueError, match="invalid object key"):
        await store.get(key)
    with pytest.raises(ValueError, match="invalid object key"):
        await store.exists(key)


async def test_local_store_never_writes_outside_its_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    with pytest.raises(ValueError):
        await store.put("../outside.txt", b"x", "text/plain")
    assert not (tmp_path / "outside.txt").exists()
    assert await store.signed_url("a.txt", timedelta(minutes=5)) is None


async def test_s3_signed_url_fetches_the_object(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint)
    await store.put("bundles/order-1.zip", b"PK zip bytes", "application/zip")
    url = await store.signed_url("bundles/order-1.zip", timedelta(minutes=5))
    assert url is not None and "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == b"PK zip bytes"
    assert response.headers["content-type"] == "application/zip"


async def test_s3_store_keeps_content_type(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint)
    await store.put("renders/x/preview.png", PNG, "image/png")
    stat = store.client.stat_object(store.bucket, "renders/x/preview.png")
    assert stat.content_type == "image/png"


async def test_list_finds_objects_by_prefix_with_when_they_were_written(
    store: ObjectStore,
) -> None:
    assert await store.list_objects("") == []  # nothing stored yet (on S3: not even the bucket)
    before = datetime.now(UTC) - timedelta(minutes=1)  # S3 stamps to the second
    for key in ("fonts/b", "fonts/a", "renders/x/preview.png", "fontsmith.txt"):
        await store.put(key, b"x", "application/octet-stream")
    after = datetime.now(UTC) + timedelta(minutes=1)
    listed = await store.list_objects("fonts/")
    assert [o.key for o in listed] == ["fonts/a", "fonts/b"]
    assert all(before <= o.modified <= after for o in listed)
    assert [o.key for o in await store.list_objects("")] == [
        "fonts/a", "fonts/b", "fontsmith.txt", "renders/x/preview.png"
    ]
    assert [o.key for o in await store.list_objects("renders/x/")] == ["renders/x/preview.png"]
    with pytest.raises(ValueError, match="invalid object key"):
        await store.list_objects("../")


async def test_delete_removes_one_object_and_is_idempotent(store: ObjectStore) -> None:
    await store.put("fonts/a", b"a", "font/ttf")
    await store.put("fonts/b", b"b", "font/ttf")
    await store.delete("fonts/a")
    await store.delete("fonts/a")  # again: nothing to do
    await store.delete("fonts/never-stored")
    assert not await store.exists("fonts/a")
    assert [o.key for o in await store.list_objects("fonts/")] == ["fonts/b"]
    with pytest.raises(ValueError, match="invalid object key"):
        await store.delete("../escape.txt")


async def test_local_store_lists_no_write_in_flight(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    await store.put("fonts/a", b"a", "font/ttf")
    (tmp_path / "objects" / "fonts" / ".tmp-half-written").write_bytes(b"half")
    assert [o.key for o in await store.list_objects("")] == ["fonts/a"]
