from typing import ClassVar

from pydantic import Field

from atelier.contracts.render import MODEL_KINDS, RenderKind
from atelier.kit.settings import ServiceSettings


class RenderSettings(ServiceSettings):
    service: ClassVar[str] = "render"
    http_port: int = 8014
    kinds: list[RenderKind] = Field(
        default=list(RenderKind),
        description="the kinds of render job this process draws (ATELIER_RENDER_KINDS, e.g. "
        '\'["mockup"]\'): one worker pool per kind, each scaled on its own consumer\'s lag',
    )
    snapshot_kinds: list[RenderKind] = Field(
        default=[RenderKind.MOCKUP, RenderKind.THUMBNAIL, *MODEL_KINDS],
        description="what every new snapshot is rendered as (ATELIER_RENDER_SNAPSHOT_KINDS): its "
        "first view's mockup and thumbnail, its first zone's texture, its 3D model (GLB, USDZ: "
        "of a product that has one)",
    )
    job_timeout_s: float = Field(
        default=20.0, gt=0,
        description="a render job that runs past this fails, with the reason (retryable: the "
        "next request of the design draws it again)",
    )
    job_concurrency: int = Field(
        default=2, ge=1, le=16,
        description="render jobs a process draws at once: two overlap one job's drawing (on a "
        "thread) with the other's database and broker round trips",
    )
    zone_px_per_mm: float = Field(default=10.0, gt=0, le=100,
                                  description="a zone texture's resolution when none is asked")
