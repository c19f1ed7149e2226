"""Builders of the render service's inputs, and an object store that can be down."""

import pytest
from PIL import Image

from atelier.contracts.spec import Align, DesignSpec, DesignSpecV1, FontRef, Layer, SpecZone
from atelier.kit.testing.fakes import FakeUnits, InMemoryStore
from atelier.render import mockup
from atelier.render.settings import RenderSettings
from atelier.typeset.fonts import shipped_font
from atelier.typeset.product import ViewScene

from .fakes import FakeRenderRepository

SANS = FontRef(id="dejavu-sans", sha256=shipped_font("dejavu-sans").sha256)


def a_spec(text: str = "Ada", font: FontRef = SANS) -> DesignSpecV1:
    zone = SpecZone(key="name", text=text, layer=Layer.ENGRAVE, width_mm=60, height_mm=12.5,
                    bleed_mm=0, safe_mm=1, font=font, size_mm=8, colour="#112233",
                    align=Align.CENTER, line_height=1.2, max_lines=1)
    return DesignSpecV1(product_id="p-1", template_version=1, zones=[zone])


@pytest.fixture
def units() -> FakeUnits[FakeRenderRepository]:
    """The render service's units of work, faked (the handler tests)."""
    return FakeUnits(FakeRenderRepository(), RenderSettings.service)


@pytest.fixture
def store() -> "StoreDown":
    """An object store that is up (a test takes it down)."""
    store = StoreDown()
    store.up = True
    return store


class StoreDown(InMemoryStore):
    """An object store that is unreachable until ``up`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if not self.up:
            raise ConnectionError("object store unreachable")
        await super().put(key, data, content_type)


def first_view(spec: DesignSpecV1 | DesignSpec) -> ViewScene:
    return mockup.scene_of(spec).views[0]


def mockup_png(view: ViewScene, photo: Image.Image | None = None) -> mockup.Drawn:
    """The mockup losslessly, for tests that look at its pixels."""
    return mockup.mockup(view, None, photo, "png", 0.0)
