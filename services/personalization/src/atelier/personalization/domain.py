"""The rules of products, brand fonts and word lists. Pure: no I/O, no framework.

What a shopper may type is decided by the rules engine (``atelier.personalization.rules``).
"""

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from pathlib import PurePosixPath

from fontTools.ttLib import TTFont, TTLibError

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.analytics import FUNNEL_STEPS, FunnelStep
from atelier.contracts.model3d import ProductModel, UploadedModel, unfit_views
from atelier.contracts.personalization import Product, TextZone, View, WordList, ZonePlacement
from atelier.contracts.spec import DEFAULT_VIEW, PhotoRef, stacked
from atelier.typeset import FontRefused


# --- products ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """One published version of a product, with its views and zones parsed once; every zone
    placed on a view (``placed``)."""

    product_id: str
    name: str
    version: int
    views: list[View]
    zones: list[TextZone]
    model: ProductModel | None = None

    @cached_property
    def font_ids(self) -> list[str]:
        return fonts_used(self.zones)

    def product(self) -> Product:
        return Product(id=self.product_id, name=self.name, template_version=self.version,
                       views=self.views, zones=self.zones, model=self.model)


def placed(views: list[View], zones: list[TextZone]) -> tuple[list[View], list[TextZone]]:
    """A template's views and zones made explicit: without views (a product created before
    views existed, or by a client that leaves them out), one view, ``front``, with the zones
    stacked on it (``atelier.contracts.spec.stacked``, the same layout a version 1 spec is
    drawn with)."""
    if views:
        return views, zones
    (width, height), centres = stacked([(z.width_mm, z.height_mm) for z in zones])
    front = View(key=DEFAULT_VIEW, label="Front", width_mm=width, height_mm=height)
    return [front], [
        zone.model_copy(update={"placement": ZonePlacement(view=DEFAULT_VIEW, x_mm=x, y_mm=y)})
        for zone, (x, y) in zip(zones, centres, strict=True)
    ]


def with_photo(views: list[View], key: str, photo: PhotoRef) -> list[View] | None:
    """The views with ``key``'s photo replaced (its placement kept); None for an unknown view."""
    if key not in {view.key for view in views}:
        return None
    return [view.model_copy(update={"photo": photo}) if view.key == key else view
            for view in views]


def unknown_photos(views: list[View], known: Collection[str]) -> list[ErrorItem]:
    """One error per view whose photo the brand never uploaded."""
    return [
        ErrorItem(
            field=f"views.{index}.photo.sha256", code=ErrorCode.INVALID_FIELD,
            message="No photo with this hash was uploaded: upload it with PUT "
                    f"/v1/admin/products/{{id}}/views/{view.key}/photo.",
        )
        for index, view in enumerate(views)
        if view.photo is not None and view.photo.sha256 not in known
    ]


def unknown_model(model: ProductModel | None, known: Collection[str]) -> list[ErrorItem]:
    """An error when the model is a GLB the brand never uploaded."""
    if not isinstance(model, UploadedModel) or model.sha256 in known:
        return []
    return [ErrorItem(field="model.sha256", code=ErrorCode.INVALID_FIELD,
                      message="No GLB with this hash was uploaded: upload it with PUT "
                              "/v1/admin/products/{id}/model/glb.")]


def unfit_model(model: ProductModel | None, views: list[View]) -> list[ErrorItem]:
    """One error per view too large for the face of the parametric model it goes on."""
    if model is None or isinstance(model, UploadedModel):
        return []
    return [ErrorItem(field="model", code=ErrorCode.INVALID_FIELD,
                      message=f"{problem[0].upper()}{problem[1:]}: make the shape larger or the "
                              "view smaller.")
            for problem in unfit_views(model, [(v.key, v.width_mm, v.height_mm) for v in views])]


def fonts_used(zones: Iterable[TextZone]) -> list[str]:
    """The distinct font ids the zones offer, in zone order."""
    return list(dict.fromkeys(option.font_id for zone in zones for option in zone.fonts))


def unknown_fonts(zones: list[TextZone], known: Collection[str]) -> list[ErrorItem]:
    """One error per font option naming a font that is neither shipped nor the brand's."""
    return [
        ErrorItem(
            field=f"zones.{z}.fonts.{f}.font_id",
            code=ErrorCode.INVALID_FIELD,
            message=(
                f'Unknown font "{option.font_id}": use a font shipped with Atelier or one you '
                "uploaded (see the font list)."
            ),
        )
        for z, zone in enumerate(zones)
        for f, option in enumerate(zone.fonts)
        if option.font_id not in known
    ]


# --- brand fonts ---------------------------------------------------------------------------------
def font_size_error(size: int, max_bytes: int) -> ErrorItem | None:
    """Refused before the file is even parsed: a brand font is at most ``max_bytes`` long."""
    if size <= max_bytes:
        return None
    return ErrorItem(
        field="file",
        code=ErrorCode.FONT_TOO_LARGE,
        message=f"The font file is {size / 1_048_576:.1f} MB; the limit is "
        f"{max_bytes / 1_048_576:g} MB.",
    )


def refused_font(refused: FontRefused) -> ErrorItem:
    """Why the typesetting engine will not load the file (not a font, or not drawable)."""
    return ErrorItem(field="file", code=ErrorCode(refused.code), message=str(refused))


def font_family(data: bytes, filename: str) -> str:
    """The family named in the font's name table, else the file name without its extension."""
    try:
        family = TTFont(BytesIO(data), lazy=True)["name"].getBestFamilyName()
    except (TTLibError, KeyError, AssertionError, ValueError):
        family = None
    return (family or PurePosixPath(filename).stem or "Untitled")[:200]


# --- word lists ----------------------------------------------------------------------------------
def clean_word_list(words: WordList) -> tuple[WordList, list[ErrorItem]]:
    """Each list NFC, trimmed, without blanks or repeats (ignoring case); an entry has letters or
    digits, ``*`` only at its ends (and not in an exception, which is a whole word)."""
    errors: list[ErrorItem] = []
    lists = {}
    for name in ("blocked", "review", "allowed", "removed"):
        entries: dict[str, str] = {}
        for index, raw in enumerate(getattr(words, name)):
            entry = " ".join(unicodedata.normalize("NFC", raw).split())
            error = _entry_error(entry, name)
            if error is not None:
                errors.append(ErrorItem(field=f"{name}.{index}", code=ErrorCode.INVALID_FIELD,
                                        message=error))
            elif entry:
                entries.setdefault(entry.casefold(), entry)
        lists[name] = list(entries.values())
    cleaned = words.model_copy(update={
        **lists, "defaults": list(dict.fromkeys(words.defaults)),
        "substitutions": list(dict.fromkeys(words.substitutions))})
    return cleaned, errors


def _entry_error(entry: str, name: str) -> str | None:
    bare = entry.strip("*")
    if "*" in bare or (name == "allowed" and bare != entry):
        return (f'"{entry}": "*" only marks where a word may go on ("ass*", "*ass", "*ass*"), '
                "and an exception is a whole word.")
    if entry and not any(char.isalnum() for char in bare):
        return f'"{entry}" has no letter or digit: it would match everything.'
    if name == "allowed" and len(bare.split()) > 1:
        return f'"{entry}" is more than one word: an exception is a whole word.'
    return None


# --- the widget's analytics ----------------------------------------------------------------------
def funnel_steps(sessions_by_steps: dict[int, int]) -> list[FunnelStep]:
    """The funnel from how many sessions sent exactly which steps (bit i: ``FUNNEL_STEPS[i]``):
    at each step, the sessions that sent it, and those that sent it and every earlier step."""
    steps: list[FunnelStep] = []
    previous: int | None = None
    for i, name in enumerate(FUNNEL_STEPS):
        bit, through = 1 << i, (1 << (i + 1)) - 1  # this step; this step and every earlier one
        sessions = sum(n for mask, n in sessions_by_steps.items() if mask & bit)
        funnel = sum(n for mask, n in sessions_by_steps.items() if mask & through == through)
        steps.append(FunnelStep(name=name, sessions=sessions, funnel_sessions=funnel,
                                conversion=ratio(funnel, previous)))
        previous = funnel
    return steps


def ratio(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None
