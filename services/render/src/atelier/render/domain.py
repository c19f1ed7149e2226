"""What a render is called and where it lives. Pure: no I/O, no framework."""

import re

from atelier.contracts.render import MODEL_KINDS, ImageFormat, RenderKind

RENDERS = "renders/"  # every render's object is under it
MOCKUP_FORMAT: ImageFormat = "jpeg"  # encodes in milliseconds where a PNG of a photo takes 250

CONTENT_TYPES: dict[ImageFormat, str] = {"jpeg": "image/jpeg", "webp": "image/webp",
                                         "png": "image/png"}
EXTENSIONS: dict[ImageFormat, str] = {"jpeg": "jpg", "webp": "webp", "png": "png"}
# what each kind is encoded as: a zone texture keeps its transparency
FORMATS: dict[RenderKind, ImageFormat | None] = {
    RenderKind.MOCKUP: None, RenderKind.THUMBNAIL: "jpeg", RenderKind.ZONE: "png"}
MODEL = "model"  # a 3D model's variant: the whole product, ``model.glb``, ``model.usdz``

_SPEC_HASH = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Undrawable(Exception):
    """A spec that can never be drawn: drawing it again would fail the same way."""


def image_format(kind: RenderKind, asked: ImageFormat | None) -> ImageFormat | None:
    """A mockup in the format asked for (JPEG when none was); other images in their own; a 3D
    model is no image (its format is its kind)."""
    if kind in MODEL_KINDS:
        return None
    return FORMATS[kind] or asked or MOCKUP_FORMAT


def variant(kind: RenderKind, view: str, fmt: ImageFormat | None, px_per_mm: float) -> str:
    """The output's name within its kind, and its object's file name: ``front.jpg``,
    ``name@10.png`` (a zone texture at 10 px/mm), ``model.glb``."""
    if kind in MODEL_KINDS or fmt is None:
        return f"{MODEL}.{kind.value}"
    if not _NAME.fullmatch(view):
        raise Undrawable(f"{view!r} is not a view or zone key")
    resolution = f"@{px_per_mm:g}" if kind is RenderKind.ZONE else ""
    return f"{view}{resolution}.{EXTENSIONS[fmt]}"


def object_key(spec_hash: str, kind: str, variant_: str) -> str:
    """Content-addressed: the same design always lands on the same object (a repeat is a hit)."""
    if not _SPEC_HASH.fullmatch(spec_hash):
        raise Undrawable(f"spec_hash {spec_hash!r} is not a SHA-256 hex digest")
    return f"{RENDERS}{spec_hash}/{kind}-{variant_}"


def view_of(variant_: str) -> str:
    """The view (or zone) key a variant names; none (empty) for a 3D model's."""
    if variant_.rpartition(".")[2] in {kind.value for kind in MODEL_KINDS}:
        return ""
    return re.split(r"[@.]", variant_, maxsplit=1)[0]
