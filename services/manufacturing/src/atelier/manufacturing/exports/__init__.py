"""The production files of a design: each a pure function of a view of the product scene and
the output profile (``serialize(view, profile) -> bytes``, no I/O, no clock), one module per
format, registered by format; ``bundle`` puts them with a manifest and a proof in a ZIP."""

from collections.abc import Callable

from atelier.contracts.manufacturing import ExportFormat, OutputProfile
from atelier.manufacturing.exports import dxf, pdf, png, svg
from atelier.typeset.product import ViewScene

Serialize = Callable[[ViewScene, OutputProfile], bytes]
EXPORTERS: dict[ExportFormat, Serialize] = {
    "svg": svg.serialize, "dxf": dxf.serialize, "pdf": pdf.serialize, "png": png.serialize}
