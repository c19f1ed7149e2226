"""Design specs: the canonical, content-addressed description of one personalized design."""

from typing import Literal

from pydantic import BaseModel, Field

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class SpecZone(BaseModel):
    """One zone with everything needed to draw it: the design is fully determined by the spec."""

    key: str
    text: str = Field(description="NFC-normalized text as validated")
    width_mm: float = Field(gt=0)
    height_mm: float = Field(gt=0)
    font: str = Field(description="font id")
    colour: str = Field(pattern=HEX_COLOUR)


class DesignSpec(BaseModel):
    spec_version: Literal[1] = 1
    product_id: str
    template_version: int = Field(ge=1)
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
