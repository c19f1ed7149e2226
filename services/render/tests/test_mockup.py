import io
import math

import pytest
from PIL import Image, ImageChops

from atelier.contracts.render import RenderKind
from atelier.contracts.spec import STACK_GAP_MM, Align, DesignSpecV1, FontRef, Layer, SpecZone
from atelier.render import domain, mockup
from atelier.typeset.fonts import shipped_font

from .conftest import first_view, mockup_png

WHITE = (255, 255, 255)


def shipped(font_id: str) -> FontRef:
    return FontRef(id=font_id, sha256=shipped_font(font_id).sha256)


def zone(text: str = "Ada", width_mm: float = 60, height_mm: float = 12.5, size_mm: float = 8,
         font: FontRef | None = None, colour: str = "#112233", key: str = "name",
         align: Align = Align.CENTER, safe_mm: float = 1, max_lines: int = 1) -> SpecZone:
    return SpecZone(key=key, text=text, layer=Layer.ENGRAVE, width_mm=width_mm,
                    height_mm=height_mm, bleed_mm=2, safe_mm=safe_mm,
                    font=font or shipped("dejavu-sans"), size_mm=size_mm, colour=colour,
                    align=align, line_height=1.2, max_lines=max_lines)


def design(*zones: SpecZone) -> DesignSpecV1:
    """A version 1 spec: drawn as its preview always was, zones stacked."""
    return DesignSpecV1(product_id="p-1", template_version=1, zones=list(zones) or [zone()])


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of every pixel that is not white."""
    return ImageChops.difference(image, Image.new("RGB", image.size, WHITE)).getbbox()


def draw(spec: DesignSpecV1) -> mockup.Drawn:
    return mockup_png(first_view(spec))


def inked(spec: DesignSpecV1) -> tuple[int, int, int, int]:
    box = ink_box(decode(draw(spec).data))
    assert box is not None
    return box


def test_the_image_is_the_print_box_without_the_bleed() -> None:
    drawn = draw(design(zone(width_mm=60, height_mm=12.5)))  # bleed_mm=2
    image = decode(drawn.data)
    assert image.size == (drawn.width_px, drawn.height_px) == (600, 125)


def test_a_large_zone_is_capped_at_the_longest_side() -> None:
    drawn = draw(design(zone(width_mm=800, height_mm=100)))
    assert (drawn.width_px, drawn.height_px) == (mockup.MAX_SIDE_PX, 250)


def test_the_text_is_inked_in_the_zone_colour_and_centred() -> None:
    # "HOH" has symmetric side bearings: its ink is centred where its advances are
    image = decode(draw(design(zone(text="HOH", colour="#112233"))).data)
    box = ink_box(image)
    assert box is not None
    left, top, right, bottom = box
    # vertically it is the line box that is centred: the cap height sits a little high in it
    assert abs(left - (image.width - right)) <= 1 and abs(top - (image.height - bottom)) <= 4
    assert (0x11, 0x22, 0x33) in {colour for _, colour in image.getcolors(maxcolors=1 << 16)}


def test_the_text_is_drawn_at_the_spec_size_not_fitted_again() -> None:
    left, top, right, bottom = inked(design(zone(text="Ada", size_mm=8)))
    half = inked(design(zone(text="Ada", size_mm=4)))
    # personalization chose the size: a short text does not grow to fill the 58 mm wide safe area
    assert right - left < 300
    assert abs((half[2] - half[0]) * 2 - (right - left)) <= 3
    assert abs((half[3] - half[1]) * 2 - (bottom - top)) <= 3


@pytest.mark.parametrize(
    ("align", "side"), [(Align.START, "left"), (Align.END, "right"), (Align.CENTER, "middle")]
)
def test_latin_text_is_aligned_inside_the_safe_area(align: Align, side: str) -> None:
    left, _, right, _ = inked(design(zone(text="HOH", align=align, safe_mm=1)))
    safe_left, safe_right = 10, 590  # 1 mm at 10 px/mm
    assert left >= safe_left and right <= safe_right
    margins = {"left": left - safe_left, "right": safe_right - right}
    if side == "middle":
        assert abs(margins["left"] - margins["right"]) <= 1
    else:
        assert margins[side] <= 10  # H's side bearing (0.7 mm at 8 mm) from the safe edge
        assert margins["right" if side == "left" else "left"] > 300


@pytest.mark.parametrize("text", ["مرحبا بالعالم", "שלום עולם"], ids=["arabic", "hebrew"])
def test_right_to_left_text_starts_on_the_right(text: str) -> None:
    image = decode(draw(design(zone(text=text, size_mm=5, align=Align.START))).data)
    box = ink_box(image)
    assert box is not None
    left, top, right, bottom = box
    assert 590 - 8 <= right <= 590 and left > 300  # "start" of a right-to-left line
    assert bottom - top > 20  # real glyphs, not a blank or a stray pixel
    latin = inked(design(zone(text="Shalom", size_mm=5, align=Align.START)))
    assert latin[0] <= 18 and latin[2] < 300  # the same alignment, left to right


def test_the_same_spec_gives_the_same_bytes() -> None:
    spec = design(zone(text="Ada"), zone(text="1815", font=shipped("dejavu-serif"), key="year"))
    assert draw(spec).data == draw(spec.model_copy(deep=True)).data
    assert draw(spec).data != draw(design(zone(text="Bob"))).data


def test_the_font_changes_the_drawing() -> None:
    sans = draw(design(zone(font=shipped("dejavu-sans"))))
    serif = draw(design(zone(font=shipped("dejavu-serif"))))
    assert sans.data != serif.data


def test_zones_are_stacked_with_a_gap() -> None:
    spec = design(zone(width_mm=60, height_mm=12.5, colour="#112233"),
                  zone(text="1815", width_mm=30, height_mm=10, size_mm=6, colour="#AA0000",
                       key="year"))
    drawn = draw(spec)
    gap = round(STACK_GAP_MM * mockup.PX_PER_MM)
    assert (drawn.width_px, drawn.height_px) == (600, 125 + gap + 100)
    image = decode(drawn.data)
    first = image.crop((0, 0, 600, 125))
    between = image.crop((0, 125, 600, 125 + gap))
    second = image.crop((0, 125 + gap, 600, drawn.height_px))
    assert ink_box(between) is None
    assert (0xAA, 0, 0) not in {c for _, c in first.getcolors(maxcolors=1 << 16)}
    assert (0xAA, 0, 0) in {c for _, c in second.getcolors(maxcolors=1 << 16)}
    left, _, right, _ = ink_box(second)  # type: ignore[misc]
    assert left >= 160 and right <= 440  # inside the narrower zone's safe area, centred


def test_an_empty_zone_stays_white() -> None:
    image = decode(draw(design(zone(text="  "))).data)
    assert ink_box(image) is None


def test_a_font_the_engine_does_not_know_cannot_be_drawn() -> None:
    unloaded = FontRef(id="brand-font", sha256="0" * 64)
    with pytest.raises(domain.Undrawable, match="font is not loaded"):
        draw(design(zone(font=unloaded)))


def test_render_keys_are_content_addressed() -> None:
    digest = "ab" * 32
    assert domain.object_key(digest, "mockup", "front.jpg") == f"renders/{digest}/mockup-front.jpg"
    assert domain.variant(RenderKind.ZONE, "name", "png", 12.5) == "name@12.5.png"
    for bad in ("../etc", "AB" * 32, "ab" * 31, "ab" * 31 + "/x"):
        with pytest.raises(domain.Undrawable):
            domain.object_key(bad, "mockup", "front.jpg")
    for view in ("../x", "a/b", ""):
        with pytest.raises(domain.Undrawable):
            domain.variant(RenderKind.MOCKUP, view, "jpeg", 10)


def test_several_lines_are_stacked_in_the_zone() -> None:
    one = inked(design(zone(text="Ada Lovelace", height_mm=30, max_lines=2)))
    two = inked(design(zone(text="Ada\nLovelace", height_mm=30, max_lines=2)))
    assert two[3] - two[1] > 1.8 * (one[3] - one[1])  # two lines, not run together
    assert two[2] - two[0] < one[2] - one[0]  # each line narrower than the whole
    assert two[1] >= 10 and two[3] <= 290  # inside the safe area


@pytest.mark.parametrize("change", [{"width_mm": math.inf}, {"size_mm": math.nan}])
def test_a_design_whose_paths_cannot_be_drawn_is_undrawable(change: dict[str, float]) -> None:
    # past the contract's checks, as a message from an older producer could be
    unbounded = zone().model_copy(update=change)
    with pytest.raises(domain.Undrawable, match="the design cannot be drawn"):
        mockup_png(first_view(design(unbounded)))
