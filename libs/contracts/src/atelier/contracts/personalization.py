"""Products, zones, templates, fonts, word lists and the validation of shopper input
(personalization service). All geometry is in millimetres.

A product has **views** (front, back, lid…), each an artboard in millimetres with an optional
photo of the product and where the artboard lies on it; every zone is placed on a view. Views
and zones live in versioned **templates**: publishing a new version never changes an existing
one, so a snapshot (which pins its template version in its spec) never changes either. A
product published without views gets one, ``front``, with its zones stacked on it
(``atelier.contracts.spec.stacked``), and is read back that way.
"""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from atelier.contracts.errors import ErrorItem
from atelier.contracts.model3d import ProductModel
from atelier.contracts.spec import (
    HEX_COLOUR,
    KEY,
    MAX_MM,
    SHA256_HEX,
    Align,
    DesignSpec,
    Layer,
    Mm,
    PhotoRef,
    Placement,
)
from atelier.contracts.types import ID_EXAMPLE, NO_CONTROLS, Finite, Id, Line, Version

ZONE_KEY = KEY
# what the published schemas show as examples: an engravable name on a pen
EXAMPLE_ZONE: dict[str, Any] = {
    "key": "name", "label": "Name", "width_mm": 60, "height_mm": 12, "safe_mm": 1,
    "layer": "engrave", "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": 8}],
    "colours": ["#1F2937"], "rules": {"max_length": 20},
}


class CharacterClass(StrEnum):
    LETTERS = "letters"  # Unicode L* and combining marks M*
    DIGITS = "digits"  # Nd
    PUNCTUATION = "punctuation"  # P*
    SPACE = "space"  # U+0020
    SYMBOLS = "symbols"  # S* (includes emoji)


class InvisiblePolicy(StrEnum):
    """What happens to zero-width characters and bidi marks (ZWSP, BOM, LRM, RLM, …).

    Whatever the policy, bidi embeddings/overrides/isolates, C0/C1 controls (a newline is a line
    break where the zone allows several lines) and unpaired surrogates are always refused; ZWJ and
    ZWNJ inside a grapheme cluster (emoji sequences, Persian, Indic) are always kept."""

    STRIP = "strip"
    REJECT = "reject"


class FontOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    font_id: Id
    min_size_mm: Finite = Field(gt=0, le=500)
    max_size_mm: Finite = Field(gt=0, le=500)

    @model_validator(mode="after")
    def _range(self) -> "FontOption":
        if self.min_size_mm > self.max_size_mm:
            raise ValueError("min_size_mm must not exceed max_size_mm")
        return self


class TextRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: bool = True
    max_length: int = Field(ge=1, le=500, description="in grapheme clusters, line breaks excluded")
    max_lines: int = Field(default=1, ge=1, le=20)
    allowed_classes: list[CharacterClass] = Field(
        default_factory=lambda: [
            CharacterClass.LETTERS,
            CharacterClass.DIGITS,
            CharacterClass.PUNCTUATION,
            CharacterClass.SPACE,
        ]
    )
    allowed_extra: str = Field(default="", max_length=200, pattern=NO_CONTROLS,
                               description="explicit extra characters")
    invisible: InvisiblePolicy = InvisiblePolicy.STRIP
    block_list: bool = Field(default=True, description="apply the brand's blocked words")


class ZonePlacement(BaseModel):
    """Where a zone lies on a view: the centre of its print box at (x_mm, y_mm) from the
    artboard's top-left corner (y down), turned by rotation_deg about that centre (clockwise)."""

    model_config = ConfigDict(extra="forbid")

    view: str = Field(pattern=KEY, description="the key of one of the product's views")
    x_mm: Mm
    y_mm: Mm
    rotation_deg: Finite = Field(default=0, ge=-360, le=360)


class View(BaseModel):
    """One side of the product: an artboard in millimetres, and the product's photo with where
    the artboard lies on it (``placement``; without one the artboard is centred on the photo,
    as large as fits in 80 % of it). The photo is uploaded with
    ``PUT /v1/admin/products/{id}/views/{view}/photo``; a template names it by its hash."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY, description="stable key, e.g. front, back, lid")
    label: Line = Field(min_length=1, max_length=80)
    width_mm: Finite = Field(gt=0, le=MAX_MM, description="artboard width")
    height_mm: Finite = Field(gt=0, le=MAX_MM, description="artboard height")
    photo: PhotoRef | None = Field(default=None, description="a photo the brand uploaded")
    placement: Placement | None = Field(default=None,
                                        description="where the artboard lies on the photo")


class TextZone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=ZONE_KEY, description="stable key the widget sends values under")
    label: Line = Field(min_length=1, max_length=80)
    width_mm: Finite = Field(gt=0, le=2000, description="print box width")
    height_mm: Finite = Field(gt=0, le=2000, description="print box height")
    bleed_mm: Finite = Field(default=0, ge=0, le=50, description="beyond the print box")
    safe_mm: Finite = Field(default=0, ge=0, le=500, description="inset where text must stay")
    layer: Layer = Layer.ENGRAVE
    fonts: list[FontOption] = Field(min_length=1, max_length=20, description="first = default")
    colours: list[Annotated[str, Field(pattern=HEX_COLOUR)]] = Field(
        default_factory=lambda: ["#000000"], min_length=1, max_length=50,
        description="allowed colours (#RRGGBB), first = default",
    )
    align: Align = Align.CENTER
    line_height: Finite = Field(default=1.2, gt=0.5, le=3)
    rules: TextRules
    placement: ZonePlacement | None = Field(
        default=None, description="its place on a view; required when the product has views")

    @model_validator(mode="after")
    def _geometry(self) -> "TextZone":
        if 2 * self.safe_mm >= min(self.width_mm, self.height_mm):
            raise ValueError("safe_mm leaves no room inside the print box")
        return self

    @property
    def safe_width_mm(self) -> float:
        return self.width_mm - 2 * self.safe_mm

    @property
    def safe_height_mm(self) -> float:
        return self.height_mm - 2 * self.safe_mm


EXAMPLE_VIEW: dict[str, Any] = {"key": "front", "label": "Front", "width_mm": 140,
                                 "height_mm": 14}
EXAMPLE_PLACED_ZONE: dict[str, Any] = {
    **EXAMPLE_ZONE, "placement": {"view": "front", "x_mm": 80, "y_mm": 7, "rotation_deg": 0}}


def check_template(views: list[View], zones: list[TextZone]) -> None:
    """Keys unique; with views, every zone placed on one of them; without, none placed."""
    keys = [z.key for z in zones]
    if len(keys) != len(set(keys)):
        raise ValueError("zone keys must be unique within a product")
    view_keys = [v.key for v in views]
    if len(view_keys) != len(set(view_keys)):
        raise ValueError("view keys must be unique within a product")
    for zone in zones:
        if not views and zone.placement is not None:
            raise ValueError(f"zone {zone.key!r} is placed, but the product declares no views: "
                             "declare the views, or leave every zone unplaced")
        if views and zone.placement is None:
            raise ValueError(f"zone {zone.key!r} is not placed on any view")
        if zone.placement is not None and zone.placement.view not in view_keys:
            raise ValueError(f"zone {zone.key!r} is placed on an unknown view "
                             f"{zone.placement.view!r}")


class CreateProduct(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Engraved Pen", "zones": [EXAMPLE_ZONE]},
        {"name": "Engraved Pen", "views": [EXAMPLE_VIEW], "zones": [EXAMPLE_PLACED_ZONE]},
    ]})

    name: Line = Field(min_length=1, max_length=200)
    views: list[View] = Field(
        default_factory=list, max_length=10,
        description="the product's sides; none: one view, front, with the zones stacked")
    zones: list[TextZone] = Field(min_length=1, max_length=20)
    model: ProductModel | None = Field(
        default=None, exclude_if=lambda model: model is None,
        description="the product's 3D model: a parametric shape in millimetres, or a GLB "
        "uploaded with PUT /v1/admin/products/{id}/model/glb; none: no 3D or AR")

    @model_validator(mode="after")
    def _keys(self) -> "CreateProduct":
        check_template(self.views, self.zones)
        return self


class PublishTemplate(BaseModel):
    """A new template version of a product; earlier versions stay as they are."""

    model_config = ConfigDict(extra="forbid")

    product_id: Id
    views: list[View] = Field(default_factory=list, max_length=10)
    zones: list[TextZone] = Field(min_length=1, max_length=20)
    model: ProductModel | None = Field(
        default=None, exclude_if=lambda model: model is None,
        description="the product's 3D model: a parametric shape in millimetres, or a GLB "
        "uploaded with PUT /v1/admin/products/{id}/model/glb; none: no 3D or AR")

    @model_validator(mode="after")
    def _keys(self) -> "PublishTemplate":
        check_template(self.views, self.zones)
        return self


class SetViewPhoto(BaseModel):
    """A product photo for one view, checked and stored by the gateway (``photos/<sha256>``):
    recorded, and published as the product's next template version with the view's photo
    replaced (its placement kept). The same photo again changes nothing."""

    product_id: Id
    view: str = Field(pattern=KEY)
    photo: PhotoRef
    content_type: str = Field(max_length=32)
    size_bytes: int = Field(ge=1)


class SetProductModel(BaseModel):
    """The product's 3D model: published as its next template version with the model replaced
    (views and zones kept). An uploaded GLB was checked and stored by the gateway
    (``models/<sha256>``) and is recorded as the brand's. The same model again changes
    nothing."""

    product_id: Id
    model: ProductModel
    triangles: int | None = Field(default=None, ge=0, description="of an uploaded GLB")


class GetProduct(BaseModel):
    product_id: Id
    version: Version | None = Field(default=None,
                                    description="a template version; None = current")


class Product(BaseModel):
    id: str
    name: str
    template_version: int
    views: list[View]
    zones: list[TextZone]
    model: ProductModel | None = Field(
        default=None, exclude_if=lambda model: model is None,
        description="the product's 3D model: a parametric shape in millimetres, or a GLB "
        "uploaded with PUT /v1/admin/products/{id}/model/glb; none: no 3D or AR")


class TemplatePublished(BaseModel):
    product_id: str
    version: int


class FontInfo(BaseModel):
    id: str
    family: str
    url: str
    sha256: str = Field(pattern=SHA256_HEX)
    shipped: bool = Field(description="shipped with Atelier (else uploaded by the brand)")


class RegisterFont(BaseModel):
    """A brand's uploaded font file, already in object storage under ``object_key``."""

    object_key: str
    filename: Line = Field(min_length=1, max_length=255)


class ListFonts(BaseModel):
    pass


class FontList(BaseModel):
    fonts: list[FontInfo]


class WordOutcome(StrEnum):
    """What a matched entry does: ``block`` refuses the text while it is typed (with the brand's
    message), ``review`` accepts it but holds an order item of it for a person to release before
    production, ``allow`` is an exception (a whole word that no entry may match)."""

    BLOCK = "block"
    REVIEW = "review"
    ALLOW = "allow"


class DefaultList(StrEnum):
    """A default list a brand can switch on (a selection from a freely licensed list; its source
    is recorded with it, see the README)."""

    EN = "en"
    FR = "fr"


class Substitution(StrEnum):
    """A digit or symbol read as the letter it stands for, in a word that has letters."""

    FOUR_A = "4=a"
    THREE_E = "3=e"
    ZERO_O = "0=o"
    ONE_I = "1=i"
    FIVE_S = "5=s"
    SEVEN_T = "7=t"
    BANG_I = "!=i"
    DOLLAR_S = "$=s"
    AT_A = "@=a"


# an entry: a word, a phrase of words, or a word with markers (``*ass*``, ``ass*``, ``*ass``)
WordEntry = Annotated[str, Field(max_length=100, pattern=NO_CONTROLS)]
WORD_LIST_EXAMPLE: dict[str, Any] = {
    "blocked": ["darn", "heck*", "oh my word"], "review": ["*dang*"], "allowed": ["hecking"],
    "defaults": ["en", "fr"], "removed": ["damn"], "message": "Please choose other words.",
}


class WordList(BaseModel):
    """The brand's word rules. Entries match whole words, case-, accent- and look-alike-
    insensitively (Unicode's confusables), repeated letters and single letters split by spaces
    or punctuation (``f.u.c.k``) included; ``word*`` matches words starting with it, ``*word``
    words ending with it, ``*word*`` words containing it; an entry of several words matches them
    across any run of spaces and punctuation. ``allowed`` lists exceptions (whole words), which no
    entry matches."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [WORD_LIST_EXAMPLE]})

    blocked: list[WordEntry] = Field(default_factory=list, max_length=5000,
                                     description="refused while typing")
    review: list[WordEntry] = Field(
        default_factory=list, max_length=5000,
        description="accepted; an order item of it is held for a person to release")
    allowed: list[WordEntry] = Field(default_factory=list, max_length=5000,
                                     description="exceptions: whole words no entry matches")
    defaults: list[DefaultList] = Field(default_factory=list, max_length=len(DefaultList),
                                        description="default lists switched on")
    removed: list[WordEntry] = Field(
        default_factory=list, max_length=5000,
        description="entries of the default lists this brand does not want")
    substitutions: list[Substitution] = Field(
        default_factory=lambda: list(Substitution), max_length=len(Substitution),
        description="digits and symbols read as letters (all by default)")
    message: Line | None = Field(default=None, min_length=1, max_length=200,
                                 description="shown when a blocked word is typed")


class GetWordList(BaseModel):
    pass


class MatchKind(StrEnum):
    WORD = "word"  # a whole word
    PREFIX = "prefix"  # ``word*``
    SUFFIX = "suffix"  # ``*word``
    INSIDE = "inside"  # ``*word*``
    PHRASE = "phrase"  # several whole words


class WordMatch(BaseModel):
    """An entry found in a text, and why."""

    entry: str = Field(description="the entry as written in its list")
    source: str = Field(description="brand, or the default list (en, fr)")
    outcome: WordOutcome = Field(description="allow: an exception (``excepted_by``) applies")
    kind: MatchKind
    position: int = Field(description="grapheme index in the text as typed")
    matched: str = Field(description="the text as typed that matched")
    why: list[str] = Field(description="the foldings the match needed, e.g. look-alike letters")
    excepted_by: str | None = Field(default=None, description="the exception that applies")


class CheckWords(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "f.u.c.k and a classic bass"}]})

    text: str = Field(max_length=2000)


class WordCheck(BaseModel):
    """What the brand's rules make of a test text: the outcome (the strictest of the matches
    that no exception covers) and every match, exceptions included."""

    outcome: WordOutcome
    folded: str = Field(description="the text as the rules compare it")
    matches: list[WordMatch]


class WidgetWords(BaseModel):
    """The brand's word rules in folded form, for the widget to give the server's verdict:
    fold the text (characters other than ASCII: case-folded, NFKD, marks and format characters
    dropped, then each character found in ``lookalikes`` replaced; ASCII: lower-cased), split it
    into words of letters, digits and the ``substitutions`` symbols, read a word's characters
    through ``substitutions`` when it has letters (a trailing ``!`` dropped), join runs of
    single letters, and match as the entries' markers say; a letter repeated in the text matches
    a letter written once or more in the entry. ``allowed`` holds the exceptions' words with
    runs of a letter written once; ``allowed_as_written`` the default lists' exceptions, which
    apply to a word as typed (case-folded, NFC)."""

    blocked: list[str]
    review: list[str]
    allowed: list[str]
    allowed_as_written: list[str]
    substitutions: dict[str, str] = Field(description="character → the letter it is read as")
    lookalikes: dict[str, str] = Field(description="Unicode confusables of Latin letters")
    message: str


class WidgetRules(BaseModel):
    """The versioned rules document: which edition of the rules engine the server runs and the
    figures its measuring uses, so that the widget gives the server's verdict. A widget built for
    another ``rules_version`` (a cached script after an upgrade) asks the server instead."""

    rules_version: str = Field(description="changes whenever any rule, message or table changes")
    unicode_version: str = Field(description="of the server's character data (NFC, categories)")
    harfbuzz_version: str = Field(description="the shaper's; the widget's harfbuzzjs matches it")
    autofit_step_mm: float = Field(description="auto-fitted sizes lie on this grid (rounded down)")
    fit_tolerance_mm: float = Field(description="a line this much wider than its box still fits")
    size_tolerance_mm: float = Field(description="a size this far past a bound is in range")


class GetProductConfig(BaseModel):
    product_id: Id


class WidgetConfig(BaseModel):
    """Everything the widget needs to validate as the server does, the brand's word rules in
    folded form included."""

    product_id: str
    name: str
    template_version: int
    views: list[View]
    zones: list[TextZone]
    fonts: list[FontInfo]
    words: WidgetWords
    rules: WidgetRules
    model: ProductModel | None = Field(
        default=None, exclude_if=lambda model: model is None,
        description="the product's 3D model: a parametric shape in millimetres, or a GLB "
        "uploaded with PUT /v1/admin/products/{id}/model/glb; none: no 3D or AR")


class ZoneInput(BaseModel):
    """A shopper's choice for one zone. A plain string stands for ``{"text": …}``."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=10_000)
    font_id: Id | None = Field(default=None, description="one of the zone's fonts; default first")
    colour: str | None = Field(default=None, max_length=32,
                               description="one of the zone's colours")
    size_mm: Finite | None = Field(default=None, gt=0, description="None = auto-fit")


def _text_as_input(value: object) -> object:
    return {"text": value} if isinstance(value, str) else value


# A plain string is shorthand for {"text": …}; accepted as such so that a bad value gets one
# error (not one per member of a union).
ZoneValue = Annotated[
    ZoneInput, BeforeValidator(_text_as_input, json_schema_input_type=str | ZoneInput)
]


class ValidateDesign(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"product_id": ID_EXAMPLE, "values": {"name": {"text": "Ada", "font_id": "dejavu-sans"}}},
    ]})

    product_id: Id
    values: dict[str, ZoneValue] = Field(
        max_length=50, description="zone key -> text as typed, or a ZoneInput"
    )


class Removal(BaseModel):
    """A character taken out by normalization (policy ``strip``)."""

    position: int = Field(description="grapheme index in the input")
    character: str = Field(description="U+XXXX NAME")


class ZoneResult(BaseModel):
    zone: str
    value: str = Field(description="the normalized value")
    length: int = Field(description="grapheme clusters")
    removed: list[Removal] = Field(default_factory=list)
    lines: int = 0
    font_id: str | None = None
    colour: str | None = None
    size_mm: float | None = Field(default=None, description="chosen or auto-fitted size")
    fits: bool | None = Field(default=None, description="None when it could not be measured")
    errors: list[ErrorItem] = Field(default_factory=list)
    review: list[WordMatch] = Field(
        default_factory=list,
        description="review entries found: accepted, but an order item of it is held")


class ValidationResult(BaseModel):
    valid: bool
    zones: list[ZoneResult]
    errors: list[ErrorItem] = Field(
        default_factory=list, description="errors not tied to one zone (e.g. an unknown zone key)"
    )
    design: DesignSpec | None = Field(
        default=None, description="the resolved design when valid, ready to become a spec"
    )
