"""Product photos: checked by their content before anything is stored, then published on a view
(``PUT /v1/admin/products/{id}/views/{view}/photo``)."""

import hashlib
import io
import struct
import zlib
from pathlib import Path

from litestar.testing import AsyncTestClient
from PIL import Image

from atelier.kit.storage import LocalStore

from .conftest import Brand


def image_bytes(format_: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#c8b090").save(out, format=format_)
    return out.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming width × height pixels, with one tiny compressed row: what a
    decompression bomb looks like before anything is decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * (width * 3 + 1))) + chunk(b"IEND", b""))


def stored_photos(store: LocalStore) -> list[Path]:
    root = Path(store.root) / "photos"
    return sorted(root.iterdir()) if root.exists() else []


async def put(client: AsyncTestClient, brand: Brand, product: str, data: bytes,
              content_type: str = "image/png", view: str = "front"):  # type: ignore[no-untyped-def]
    return await client.put(f"/v1/admin/products/{product}/views/{view}/photo", content=data,
                            headers={**brand.admin, "Content-Type": content_type})


async def test_a_photo_is_stored_by_its_hash_and_published_on_the_view(
    client, brand, product, store
) -> None:
    data = image_bytes("JPEG")
    response = await put(client, brand, product, data, "image/jpeg")
    assert response.status_code == 200, response.text
    body = response.json()
    digest = hashlib.sha256(data).hexdigest()
    assert body["template_version"] == 2
    assert body["views"][0]["photo"] == {"sha256": digest, "width_px": 64, "height_px": 48}
    assert await store.get(f"photos/{digest}") == data
    served = await client.get(f"/v1/assets/photos/{digest}")
    assert (served.status_code, served.headers["content-type"]) == (200, "image/jpeg")


async def test_webp_is_a_photo_too(client, brand, product) -> None:
    response = await put(client, brand, product, image_bytes("WEBP"), "image/webp")
    assert response.status_code == 200, response.text


async def test_bad_photos_are_refused_with_a_reason_and_nothing_is_stored(
    client, brand, product, services, store
) -> None:
    jpeg = image_bytes("JPEG", (400, 300))
    bad = {
        "text named .png": (b"just some text, saved as photo.png\n" * 20, "invalid_image"),
        "20000 x 20000 PNG": (huge_png(20000, 20000), "image_too_many_pixels"),
        "9000 px wide PNG": (huge_png(9000, 10), "image_too_many_pixels"),
        "truncated JPEG": (jpeg[: len(jpeg) // 2], "invalid_image"),
        "corrupt PNG": (image_bytes("PNG")[:-20] + b"\0" * 20, "invalid_image"),
    }
    versions_before = len(services.products[(brand.id, product)])
    for name, (data, code) in bad.items():
        response = await put(client, brand, product, data)
        assert response.status_code == 422, (name, response.text)
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == ("file", code), name
    assert stored_photos(store) == []
    assert len(services.products[(brand.id, product)]) == versions_before


async def test_a_photo_needs_an_image_type_an_existing_view_and_a_small_body(
    client, brand, product, store
) -> None:
    data = image_bytes("PNG")
    assert (await put(client, brand, product, data, "text/plain")).status_code == 415
    unknown = await put(client, brand, product, data, view="lid")
    assert unknown.status_code == 404
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("view", "not_found")]
    missing = await client.put("/v1/admin/products/no-such/views/front/photo", content=data,
                               headers={**brand.admin, "Content-Type": "image/png"})
    assert missing.status_code == 404
    too_big = await put(client, brand, product, b"\x89PNG\r\n\x1a\n" + b"\0" * (16 << 20))
    assert (too_big.status_code, too_big.json()["errors"][0]["code"]) == (413, "body_too_large")
    assert stored_photos(store) == []
