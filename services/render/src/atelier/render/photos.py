"""Product photos as the mockup draws them: read from the object store under their content
address (``photos/<sha256>``, put there by the gateway once it had checked them), decoded and
scaled once per process to the size each kind draws it at (a 1024 px mockup, a 200 px thumbnail:
drawing a thumbnail at its own size costs a twentieth of drawing the mockup and shrinking it), and
the few recent ones kept (as opaque RGBA, the pixels Skia draws on: ``raster.draw_onto``)."""

import asyncio
import hashlib
import io
from collections import OrderedDict

from PIL import Image

from atelier.contracts.spec import PhotoRef, photo_object_key
from atelier.kit.storage import ObjectNotFound, ObjectStore
from atelier.render.domain import Undrawable

KEPT = 16  # decoded photos kept (per size): a 1024 px photo is 4 MB


class Photos:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._kept: OrderedDict[tuple[str, int], Image.Image] = OrderedDict()

    async def get(self, photo: PhotoRef, max_side_px: int) -> Image.Image:
        """The photo, scaled to fit ``max_side_px`` (never enlarged). Raises ``Undrawable``
        when it is not in the store, not the pinned bytes, or not an image."""
        key = (photo.sha256, max_side_px)
        image = self._kept.get(key)
        if image is None:
            image = await asyncio.to_thread(self._decode, photo, await self._read(photo),
                                            max_side_px)
            self._kept[key] = image
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
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

    @staticmethod
    def _decode(photo: PhotoRef, data: bytes, max_side_px: int) -> Image.Image:
        try:
            image = Image.open(io.BytesIO(data)).convert("RGB")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise Undrawable(f"the product photo {photo.sha256} cannot be decoded: {exc}") \
                from None
        if image.size != (photo.width_px, photo.height_px):
            raise Undrawable(f"the product photo {photo.sha256} is {image.size}, not "
                             f"{photo.width_px}×{photo.height_px} as recorded")
        scale = min(1.0, max_side_px / max(image.size))
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.LANCZOS)
        return image.convert("RGBA")
