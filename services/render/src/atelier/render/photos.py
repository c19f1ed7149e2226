"""Product photos as the mockup draws them: read from the object store under their content
address (``photos/<sha256>``, put there by the gateway once it had checked them), decoded and
scaled to fit the mockup once per process, and the few recent ones kept (as opaque RGBA, the
pixels Skia draws on: ``raster.draw_onto``)."""

import asyncio
import hashlib
import io
from collections import OrderedDict

from PIL import Image

from atelier.contracts.spec import PhotoRef, photo_object_key
from atelier.kit.storage import ObjectNotFound, ObjectStore
from atelier.render.domain import Undrawable

KEPT = 16  # decoded photos kept: a 1024 px photo is 4 MB


class Photos:
    def __init__(self, store: ObjectStore, max_side_px: int) -> None:
        self._store = store
        self._max_side = max_side_px
        self._kept: OrderedDict[str, Image.Image] = OrderedDict()

    async def get(self, photo: PhotoRef) -> Image.Image:
        """The photo, scaled to fit ``max_side_px``. Raises ``Undrawable`` when it is not in
        the store, not the pinned bytes, or not an image."""
        image = self._kept.get(photo.sha256)
        if image is None:
            image = await asyncio.to_thread(self._decode, photo, await self._read(photo))
            self._kept[photo.sha256] = image
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(photo.sha256)
        return image

    async def _read(self, photo: PhotoRef) -> bytes:
        key = photo_object_key(photo.sha256)
        try:
            data = await self._store.get(key)
        except ObjectNotFound:
            raise Undrawable(f"the product photo {key} is not in the object store") from None
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            raise Undrawable(f"{key} does not hash to its key")
        return data

    def _decode(self, photo: PhotoRef, data: bytes) -> Image.Image:
        try:
            image = Image.open(io.BytesIO(data)).convert("RGB")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise Undrawable(f"the product photo {photo.sha256} cannot be decoded: {exc}") \
                from None
        if image.size != (photo.width_px, photo.height_px):
            raise Undrawable(f"the product photo {photo.sha256} is {image.size}, not "
                             f"{photo.width_px}×{photo.height_px} as recorded")
        scale = min(1.0, self._max_side / max(image.size))
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.LANCZOS)
        return image.convert("RGBA")
