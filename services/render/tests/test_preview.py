import io

import pytest
from PIL import Image, ImageChops

from atelier.contracts.spec import DesignSpec, SpecZone
from atelier.render import domain, preview
from atelier.typeset.fonts import shipped_font

WHITE = (255, 255, 255)


def zone(text: str = "Ada", width_mm: float = 60, height_mm: float = 12.5,
         font: str = "dejavu-sans", colour: str = "#112233", key: str = "name") -> SpecZone:
    return SpecZone(key=key, text=text, width_mm=width_mm, height_mm=height_mm, font=font,
                    colour=colour)


def design(*zones: SpecZone) -> DesignSpec:
    return DesignSpec(product_id="p-1", template_version=1, zones=list(zones) or [zone()])


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of every pixel that is not white."""
    return ImageChops.difference(image, Image.new("RGB", image.size, WHITE)).getbbox()


def test_a_zone_is_drawn_at_its_proportions() -> None:
    drawn = preview.render_png(design(zone(width_mm=60, height_mm=12.5)))
    image = decode(drawn.png)
    assert image.size == (drawn.width_px, drawn.height_px) == (600, 125)


def test_a_large_zone_is_capped_at_the_longest_side() -> None:
    drawn = preview.render_png(design(zone(width_mm=800, height_mm=100)))
    assert (drawn.width_px, drawn.height_px) == (preview.MAX_SIDE_PX, 250)


def test_the_text_is_inked_in_the_zone_colour_and_centred() -> None:
    image = decode(preview.render_png(design(zone(colour="#112233"))).png)
    box = ink_box(image)
    assert box is not None
    left, top, right, bottom = box
    assert abs(left - (image.width - right)) <= 2 and abs(top - (image.height - bottom)) <= 2
    assert (0x11, 0x22, 0x33) in {colour for _, colour in image.getcolors(maxcolors=1 << 16)}


def test_the_text_fills_the_zone_without_leaving_it() -> None:
    image = decode(preview.render_png(design(zone(text="Ada Lovelace"))).png)
    left, top, right, bottom = ink_box(image)  # type: ignore[misc]
    # the fitted text reaches one pair of edges' inset and stays inside the other
    inset = round(min(image.size) * preview.INSET)
    assert left >= inset - 1 and right <= image.width - inset + 1
    assert top >= inset - 1 and bottom <= image.height - inset + 1
    filled_width = right - left >= image.width - 2 * inset - 2
    filled_height = bottom - top >= image.height - 2 * inset - 2
    assert filled_width or filled_height


def test_the_same_spec_gives_the_same_bytes() -> None:
    spec = design(zone(text="Ada"), zone(text="1815", font="dejavu-serif", key="year"))
    assert preview.render_png(spec).png == preview.render_png(spec.model_copy(deep=True)).png
    assert preview.render_png(spec).png != preview.render_png(design(zone(text="Bob"))).png


def test_longer_text_gets_a_smaller_font_size() -> None:
    font = shipped_font("dejavu-sans").path.read_bytes()
    short = preview.fit_font_size(font, "Ada", 600, 125)
    longer = preview.fit_font_size(font, "Ada Lovelace, Countess", 600, 125)
    assert 1 <= longer < short


def test_zones_are_stacked_with_a_gap() -> None:
    spec = design(zone(width_mm=60, height_mm=12.5, colour="#112233"),
                  zone(text="1815", width_mm=30, height_mm=10, colour="#AA0000", key="year"))
    drawn = preview.render_png(spec)
    gap = round(preview.GAP_MM * preview.PX_PER_MM)
    assert (drawn.width_px, drawn.height_px) == (600, 125 + gap + 100)
    image = decode(drawn.png)
    first = image.crop((0, 0, 600, 125))
    between = image.crop((0, 125, 600, 125 + gap))
    second = image.crop((0, 125 + gap, 600, drawn.height_px))
    assert ink_box(between) is None
    assert (0xAA, 0, 0) not in {c for _, c in first.getcolors(maxcolors=1 << 16)}
    assert (0xAA, 0, 0) in {c for _, c in second.getcolors(maxcolors=1 << 16)}
    left, _, right, _ = ink_box(second)  # type: ignore[misc]
    assert left >= 150 and right <= 450  # inside the narrower zone, centred under the first


def test_an_empty_zone_stays_white() -> None:
    image = decode(preview.render_png(design(zone(text="  "))).png)
    assert ink_box(image) is None


def test_an_unknown_font_cannot_be_drawn() -> None:
    with pytest.raises(domain.Undrawable, match="unknown font 'no-such-font'"):
        preview.render_png(design(zone(font="no-such-font")))


def test_preview_keys_are_content_addressed() -> None:
    digest = "ab" * 32
    assert domain.preview_key(digest) == f"renders/{digest}/preview.png"
    for bad in ("../etc", "AB" * 32, "ab" * 31, "ab" * 31 + "/x"):
        with pytest.raises(domain.Undrawable):
            domain.preview_key(bad)


def test_several_lines_are_fitted_as_a_block() -> None:
    one_line = preview.render_png(design(zone(text="Ada Lovelace", height_mm=30)))
    two_lines = preview.render_png(design(zone(text="Ada\nLovelace", height_mm=30)))
    one = ink_box(decode(one_line.png))
    two = ink_box(decode(two_lines.png))
    assert one is not None and two is not None
    assert two[3] - two[1] > one[3] - one[1]  # taller: the lines are stacked, not run together
    assert two[1] >= 0 and two[3] <= two_lines.height_px
