"""Product photos checked by their content before anything is stored. Pure: no I/O.

A photo is a PNG, JPEG or WebP file, told by its first bytes (never by its name or declared
type). Its header gives its pixel size, which is refused past ``MAX_PHOTO_SIDE_PX`` on a side or
``MAX_PHOTO_PIXELS`` in all before a pixel is decoded: a small file can claim a huge image (a
decompression bomb; Pillow's own guard, ``DecompressionBombError``, is caught as the same
refusal). Then the whole image is decoded, so that a truncated or corrupt file is refused here
and not when a mockup is drawn. The byte size is bounded by the route's body limit.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.spec import MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE_PX, PhotoRef

PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTO_UPLOAD_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Photo:
    ref: PhotoRef
    content_type: str


class PhotoRefused(Exception):
    def __init__(self, error: ErrorItem) -> None:
        super().__init__(error.message)
        self.error = error


def inspect_photo(data: bytes) -> Photo:
    """The photo's hash, pixel size and type; ``PhotoRefused`` says why it is not a photo."""
    format_ = _format(data)
    if format_ is None:
        raise _invalid("This is not a PNG, JPEG or WebP image.")
    try:
        with warnings.catch_warnings():
            # past Image.MAX_IMAGE_PIXELS Pillow only warns (it refuses at twice that): refuse
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[format_]) as image:
                width, height = image.size
                _check_size(width, height)
                image.load()  # every pixel decoded: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _invalid(f"The {format_} image is damaged or truncated ({exc}).") from None
    ref = PhotoRef(sha256=hashlib.sha256(data).hexdigest(), width_px=width, height_px=height)
    return Photo(ref, _FORMATS[format_])


def is_photo_upload(content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type in PHOTO_UPLOAD_TYPES


def _format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _check_size(width: int, height: int) -> None:
    if max(width, height) > MAX_PHOTO_SIDE_PX or width * height > MAX_PHOTO_PIXELS:
        raise _too_many_pixels(f" (this one is {width} × {height})")


def _too_many_pixels(detail: str = "") -> PhotoRefused:
    return PhotoRefused(ErrorItem(
        field="file", code=ErrorCode.IMAGE_TOO_MANY_PIXELS,
        message=f"The image is too large{detail}: at most {MAX_PHOTO_SIDE_PX} pixels on a side "
                f"and {MAX_PHOTO_PIXELS // 1_000_000} megapixels in all. Scale it down.",
    ))


def _invalid(message: str) -> PhotoRefused:
    return PhotoRefused(ErrorItem(field="file", code=ErrorCode.INVALID_IMAGE, message=message))
