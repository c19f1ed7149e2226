"""Products, zones and the validation of shopper input (personalization service)."""

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from atelier.contracts.errors import ErrorItem
from atelier.contracts.spec import HEX_COLOUR, DesignSpec

ZONE_KEY = r"^[a-z][a-z0-9_]{0,31}$"


class CharacterClass(StrEnum):
    LETTERS = "letters"
    DIGITS = "digits"
    PUNCTUATION = "punctuation"
    SPACE = "space"
    SYMBOLS = "symbols"


class TextZone(BaseModel):
    key: str = Field(pattern=ZONE_KEY, description="stable key the widget sends values under")
    label: str = Field(min_length=1, max_length=80)
    width_mm: float = Field(gt=0, le=2000)
    height_mm: float = Field(gt=0, le=2000)
    max_length: int = Field(ge=1, le=500, description="in grapheme clusters")
    required: bool = True
    allowed_classes: list[CharacterClass] = Field(
        default_factory=lambda: [
            CharacterClass.LETTERS,
            CharacterClass.DIGITS,
            CharacterClass.PUNCTUATION,
            CharacterClass.SPACE,
        ]
    )
    allowed_extra: str = Field(default="", max_length=200, description="explicit extra characters")
    font: str = Field(default="dejavu-sans", description="id of a font known to the platform")
    colour: str = Field(default="#000000", pattern=HEX_COLOUR)


class CreateProduct(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    zones: list[TextZone] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_keys(self) -> "CreateProduct":
        keys = [z.key for z in self.zones]
        if len(keys) != len(set(keys)):
            raise ValueError("zone keys must be unique within a product")
        return self


class Product(BaseModel):
    id: str
    name: str
    template_version: int
    zones: list[TextZone]


class GetProductConfig(BaseModel):
    product_id: str


class FontInfo(BaseModel):
    id: str
    family: str
    url: str


class WidgetConfig(BaseModel):
    product_id: str
    name: str
    template_version: int
    zones: list[TextZone]
    fonts: list[FontInfo]


class ValidateDesign(BaseModel):
    product_id: str
    values: dict[str, str] = Field(description="zone key -> text as typed by the shopper")


class ZoneResult(BaseModel):
    zone: str
    value: str = Field(description="the NFC-normalized value")
    length: int = Field(description="grapheme clusters")
    errors: list[ErrorItem] = Field(default_factory=list)


class ValidationResult(BaseModel):
    valid: bool
    zones: list[ZoneResult]
    errors: list[ErrorItem] = Field(
        default_factory=list, description="errors not tied to one zone (e.g. an unknown zone key)"
    )
    design: DesignSpec | None = Field(
        default=None, description="the resolved design when valid, ready to become a spec"
    )
