"""The fonts a spec pins: shipped ones checked against their hash, brand ones read from the
store."""

import hashlib

import pytest

from atelier.contracts.spec import DesignSpecV1, FontRef, Layer, SpecZone, font_object_key
from atelier.kit.testing.fakes import InMemoryStore
from atelier.render import mockup
from atelier.typeset.fonts import shipped_font
from atelier.typeset.pinned import FontUnavailable, PinnedFonts

from .conftest import first_view, mockup_png

SERIF = shipped_font("dejavu-serif")


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()  # it records the keys read, to see a font loaded once


async def uploaded(store: InMemoryStore, data: bytes) -> str:
    """Store ``data`` as the gateway stores an uploaded font; its content hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    await store.put(font_object_key(sha256), data, "font/ttf")
    return sha256


def design(font: FontRef) -> DesignSpecV1:
    zone = SpecZone(key="name", text="Ada", layer=Layer.ENGRAVE, width_mm=60, height_mm=12.5,
                    bleed_mm=0, safe_mm=1, font=font, size_mm=8, colour="#112233",
                    align="center", line_height=1.2, max_lines=1)
    return DesignSpecV1(product_id="p-1", template_version=1, zones=[zone])


def draw(spec: DesignSpecV1) -> mockup.Drawn:
    return mockup_png(first_view(spec))


async def test_a_brand_font_is_read_from_the_store_and_drawn(store: InMemoryStore) -> None:
    # the brand uploaded the bytes of DejaVu Serif: drawn with it, the design looks exactly like
    # the shipped serif, and unlike the sans
    brand = FontRef(id="brand-serif", sha256=await uploaded(store, SERIF.path.read_bytes()))
    await PinnedFonts(store.get).ensure([brand])
    drawn = draw(design(brand)).data
    assert drawn == draw(design(FontRef(id=SERIF.id, sha256=SERIF.sha256))).data
    sans = shipped_font("dejavu-sans")
    assert drawn != draw(design(FontRef(id=sans.id, sha256=sans.sha256))).data


async def test_a_brand_font_is_loaded_once_per_process(store: InMemoryStore) -> None:
    brand = FontRef(id="brand-serif", sha256=await uploaded(store, SERIF.path.read_bytes()))
    fonts = PinnedFonts(store.get)
    await fonts.ensure([brand, brand])
    await fonts.ensure([brand])
    assert store.reads == [font_object_key(brand.sha256)]


async def test_shipped_fonts_are_never_read_from_the_store(store: InMemoryStore) -> None:
    await PinnedFonts(store.get).ensure([FontRef(id=SERIF.id, sha256=SERIF.sha256)])
    assert store.reads == []


async def test_a_shipped_font_that_changed_under_a_design_is_undrawable(
    store: InMemoryStore,
) -> None:
    pinned = FontRef(id="dejavu-sans", sha256="0" * 64)
    with pytest.raises(FontUnavailable, match="changed under this design"):
        await PinnedFonts(store.get).ensure([pinned])


async def test_a_font_found_nowhere_is_undrawable(store: InMemoryStore) -> None:
    missing = FontRef(id="no-such-font", sha256="1" * 64)
    with pytest.raises(FontUnavailable, match=f"no fonts/{'1' * 64}"):
        await PinnedFonts(store.get).ensure([missing])


async def test_bytes_that_do_not_match_their_key_are_undrawable(store: InMemoryStore) -> None:
    sha256 = hashlib.sha256(b"another font").hexdigest()
    await store.put(font_object_key(sha256), SERIF.path.read_bytes(), "font/ttf")
    with pytest.raises(FontUnavailable, match="does not hash to its key"):
        await PinnedFonts(store.get).ensure([FontRef(id="brand-font", sha256=sha256)])


async def test_a_stored_file_that_is_no_font_is_undrawable(store: InMemoryStore) -> None:
    broken = FontRef(id="brand-font", sha256=await uploaded(store, b"not a font at all"))
    with pytest.raises(FontUnavailable, match="'brand-font' cannot be loaded"):
        await PinnedFonts(store.get).ensure([broken])
