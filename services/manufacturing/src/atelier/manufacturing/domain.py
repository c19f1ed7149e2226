"""Output profiles and where bundles live. Pure: no I/O, no framework."""

from atelier.contracts.manufacturing import ColourMode, OutputProfile

BUNDLES = "bundles/"  # every bundle's object is under it
ZIP = "application/zip"

PROFILES: dict[str, OutputProfile] = {profile.name: profile for profile in (
    # every file, for a shop that picks what its machines take
    OutputProfile(name="standard", formats=("svg", "dxf", "pdf", "png")),
    # a print shop: PDF in CMYK with crop marks, and the PNG at print resolution
    OutputProfile(name="print", formats=("pdf", "png"), colour_mode=ColourMode.CMYK,
                  crop_marks=True),
    # a laser cutter or engraver: vectors only
    OutputProfile(name="laser", formats=("svg", "dxf")),
    # engraved on the back of glass or acrylic, to be read through it
    OutputProfile(name="reverse_engrave", formats=("svg", "dxf", "pdf"), mirror=True),
)}


class UnknownProfile(LookupError):
    pass


def profile_for(name: str, brand_profiles: dict[str, OutputProfile]) -> OutputProfile:
    """The profile of that name: the brand's own, else the platform's."""
    known = {**PROFILES, **brand_profiles}
    try:
        return known[name]
    except KeyError:
        raise UnknownProfile(
            f"no output profile {name!r}; known: {', '.join(sorted(known))}") from None


def object_key(brand_id: str, work_order_id: str, name: str) -> str:
    """A work order's bundle: made again, it lands on the same key (the same bytes)."""
    return f"{BUNDLES}{brand_id}/{work_order_id}/{name}"
