"""Design specs: the canonical, content-addressed description of one personalized design.

A spec fully determines what is drawn and produced: the template version it was made against,
and for every zone the resolved layout (text after normalization, font pinned by content hash,
size after auto-fit, colour, alignment, box, bleed and safe area). Its SHA-256 over the RFC 8785
canonical JSON is its identity: the same inputs give the same hash, and the same cached outputs.
The JSON Schema of ``DesignSpec`` is published under ``proto-schemas/spec/``.
"""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atelier.contracts.errors import ErrorItem
from atelier.contracts.types import ID_EXAMPLE, Finite, Id, Version

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
SHA256_HEX = r"^[0-9a-f]{64}$"


class Layer(StrEnum):
    ENGRAVE = "engrave"
    CUT = "cut"
    PRINT = "print"


class Align(StrEnum):
    START = "start"
    CENTER = "center"
    END = "end"


FONT_OBJECTS = "fonts/"


def font_object_key(sha256: str) -> str:
    """Where an uploaded font's bytes are stored: content-addressed, so that every service finds
    the exact font a ``FontRef`` pins."""
    return f"{FONT_OBJECTS}{sha256}"


class FontRef(BaseModel):
    """A font pinned by content: a re-uploaded font with the same id cannot change a design."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    sha256: str = Field(pattern=SHA256_HEX)


class SpecZone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    text: str = Field(description="NFC-normalized text as validated; lines separated by \\n")
    layer: Layer
    width_mm: Finite = Field(gt=0, description="print box")
    height_mm: Finite = Field(gt=0)
    bleed_mm: Finite = Field(ge=0)
    safe_mm: Finite = Field(ge=0, description="inset of the safe area from the print box")
    font: FontRef
    size_mm: Finite = Field(gt=0, description="em size after auto-fit")
    colour: str = Field(pattern=HEX_COLOUR)
    align: Align
    line_height: Finite = Field(gt=0)
    max_lines: int = Field(ge=1, le=20)


class DesignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec_version: Literal[1] = 1
    product_id: Id
    template_version: Version
    zones: list[SpecZone] = Field(min_length=1)


class CreateSpec(BaseModel):
    spec: DesignSpec


class SpecCreatedReply(BaseModel):
    spec_hash: str = Field(description="SHA-256 (hex) of the RFC 8785 canonical JSON of the spec")
    canonical_json: str
    created: bool = Field(description="false when the same spec was stored before")


class SpecCreated(BaseModel):
    spec_hash: str
    product_id: str
    template_version: int


class GetSpec(BaseModel):
    spec_hash: str


class StoredSpec(BaseModel):
    spec_hash: str
    spec: DesignSpec
    canonical_json: str


class ValidateSpec(BaseModel):
    """Check a spec document as a client holds it: schema, canonical form, optional hash."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"document": {
        "spec_version": 1, "product_id": ID_EXAMPLE, "template_version": 1, "zones": [{
            "key": "name", "text": "Ada", "layer": "engrave", "width_mm": 60, "height_mm": 12,
            "bleed_mm": 0, "safe_mm": 1, "font": {"id": "dejavu-sans", "sha256": "0" * 64},
            "size_mm": 8, "colour": "#1F2937", "align": "center", "line_height": 1.2,
            "max_lines": 1}]}}]})

    document: dict[str, Any]
    spec_hash: str | None = Field(default=None, max_length=64,
                                  description="the hash the client expects")


class SpecValidation(BaseModel):
    valid: bool
    spec_hash: str | None = None
    canonical_json: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)
