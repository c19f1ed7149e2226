"""Builders of design specs for the spec service's tests."""

import hashlib
from collections.abc import Callable

import pytest

from atelier.contracts.spec import Align, DesignSpecV1, FontRef, Layer, SpecZone

FONT = FontRef(id="dejavu-sans", sha256=hashlib.sha256(b"dejavu-sans").hexdigest())


def design(text: str = "Ada", product_id: str = "p-1", template_version: int = 1) -> DesignSpecV1:
    zone = SpecZone(
        key="name", text=text, layer=Layer.ENGRAVE, width_mm=60, height_mm=12.5, bleed_mm=0,
        safe_mm=1, font=FONT, size_mm=8, colour="#112233", align=Align.CENTER, line_height=1.2,
        max_lines=1,
    )
    return DesignSpecV1(product_id=product_id, template_version=template_version, zones=[zone])


@pytest.fixture
def a_spec() -> Callable[..., DesignSpecV1]:
    return design
