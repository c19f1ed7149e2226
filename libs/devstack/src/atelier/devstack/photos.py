"""The demo products' photos, drawn by the project itself (no third-party image, so no licence
beyond Atelier's own): a pen seen square on and a photo frame hanging on a wall, seen at an
angle. Each comes with where its view's artboard lies on it, so that a newcomer's first snapshot
is a mockup of the product. Deterministic: the same bytes on every run (PNG, no timestamps)."""

import io

from PIL import Image, ImageDraw

# The pen's barrel view: an artboard of 140 × 14 mm drawn at 6 px/mm, its top-left corner here
PEN_SIZE = (1200, 500)
PEN_SCALE = 6.0
PEN_OFFSET = (180.0, 208.0)
PEN_ARTBOARD = (140.0, 14.0)
# The frame's print, 200 × 150 mm, photographed from the left and below: its corners on the photo
FRAME_SIZE = (1200, 900)
FRAME_CORNERS = ((300, 170), (930, 120), (960, 760), (270, 700))
FRAME_ARTBOARD = (200.0, 150.0)


def pen_photo() -> bytes:
    image = Image.new("RGB", PEN_SIZE, "#e9e4dc")
    draw = ImageDraw.Draw(image)
    for row in range(PEN_SIZE[1]):  # a soft table-top gradient
        shade = 233 - row // 12
        draw.line([(0, row), (PEN_SIZE[0], row)], fill=(shade, shade - 4, shade - 12))
    x0, y0 = PEN_OFFSET
    x1, y1 = x0 + PEN_ARTBOARD[0] * PEN_SCALE, y0 + PEN_ARTBOARD[1] * PEN_SCALE
    draw.rounded_rectangle((x0 - 90, y0 + 8, x1 + 150, y1 + 20), 48, fill="#b9b2a8")  # shadow
    draw.polygon([(x0 - 60, y0 + 10), (x0 - 150, (y0 + y1) / 2), (x0 - 60, y1 - 10)],
                 fill="#9ca3af")  # the tip
    draw.rounded_rectangle((x0 - 70, y0 - 6, x1 + 130, y1 + 6), 46, fill="#1e3a5f")  # barrel
    draw.rectangle((x0 - 12, y0, x1 + 12, y1), fill="#c7ccd3")  # the engravable steel band
    draw.line([(x0 - 12, y0 + 10), (x1 + 12, y0 + 10)], fill="#eef1f4", width=6)  # highlight
    draw.rounded_rectangle((x1 - 150, y0 - 24, x1 + 110, y0 - 6), 9, fill="#cbd2d9")  # clip
    return _png(image)


def frame_photo() -> bytes:
    image = Image.new("RGB", FRAME_SIZE, "#d8d2c4")
    draw = ImageDraw.Draw(image)
    for column in range(0, FRAME_SIZE[0], 40):  # wallpaper stripes
        draw.rectangle((column, 0, column + 18, FRAME_SIZE[1]), fill="#d2cbbb")
    inner = FRAME_CORNERS
    centre = (sum(x for x, _ in inner) / 4, sum(y for _, y in inner) / 4)

    def grown(factor: float) -> list[tuple[float, float]]:
        return [(centre[0] + (x - centre[0]) * factor, centre[1] + (y - centre[1]) * factor)
                for x, y in inner]

    draw.polygon([(x + 18, y + 22) for x, y in grown(1.16)], fill="#a39b8b")  # shadow
    draw.polygon(grown(1.16), fill="#5b3a1e")  # the wooden frame
    draw.polygon(grown(1.10), fill="#7a5230")
    draw.polygon(grown(1.03), fill="#f5f1e8")  # the mat
    draw.polygon(list(inner), fill="#fbf8f1")  # the print the design is drawn on
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
