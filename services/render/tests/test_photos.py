"""Product photos as the mockup reads them: from the store by hash, checked, scaled once."""

import hashlib
import io

import pytest
from PIL import Image

from atelier.contracts.spec import PhotoRef, photo_object_key
from atelier.kit.testing.fakes import InMemoryStore
from atelier.render.domain import Undrawable
from atelier.render.photos import Photos


def jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#808080").save(out, format="JPEG")
    return out.getvalue()


async def stored(store: InMemoryStore, data: bytes, size: tuple[int, int]) -> PhotoRef:
    digest = hashlib.sha256(data).hexdigest()
    await store.put(photo_object_key(digest), data, "image/jpeg")
    return PhotoRef(sha256=digest, width_px=size[0], height_px=size[1])


async def test_a_photo_is_scaled_to_the_mockup_once() -> None:
    store = InMemoryStore()
    photo = await stored(store, jpeg((2000, 1000)), (2000, 1000))
    photos = Photos(store)
    image = await photos.get(photo, 1024)
    assert image.size == (1024, 512) and image.mode == "RGBA"  # as Skia draws on it
    assert await photos.get(photo, 1024) is image  # kept: decoded and scaled once
    small = await photos.get(photo, 200)  # a thumbnail's, kept beside it
    assert small.size == (200, 100) and await photos.get(photo, 200) is small
    assert await photos.get(photo, 1024) is image


async def test_a_photo_missing_changed_or_misrecorded_cannot_be_drawn() -> None:
    store = InMemoryStore()
    photos = Photos(store)
    with pytest.raises(Undrawable, match="not in the object store"):
        await photos.get(PhotoRef(sha256="1" * 64, width_px=10, height_px=10), 1024)
    await store.put(photo_object_key("2" * 64), jpeg((10, 10)), "image/jpeg")
    with pytest.raises(Undrawable, match="does not hash to its key"):
        await photos.get(PhotoRef(sha256="2" * 64, width_px=10, height_px=10), 1024)
    wrong_size = await stored(store, jpeg((30, 20)), (20, 30))
    with pytest.raises(Undrawable, match="not 20×30"):
        await photos.get(wrong_size, 1024)
    text = b"no image at all"
    with pytest.raises(Undrawable, match="cannot be decoded"):
        await photos.get(await stored(store, text, (1, 1)), 1024)
