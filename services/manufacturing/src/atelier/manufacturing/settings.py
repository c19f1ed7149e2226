from typing import ClassVar

from pydantic import Field

from atelier.kit.settings import ServiceSettings


class ManufacturingSettings(ServiceSettings):
    service: ClassVar[str] = "manufacturing"
    http_port: int = 8015
    default_profile: str = Field(
        default="standard", description="the output profile of a product the brand gave none")
    export_jobs: bool = Field(
        default=True,
        description="whether this process makes bundles (ATELIER_MANUFACTURING_EXPORT_JOBS); "
        "false: it only answers requests, and other processes draw (the benchmark's workers)")
    job_timeout_s: float = Field(
        default=120.0, gt=0,
        description="an export that runs past this fails, with the reason (regenerate it)")
    job_concurrency: int = Field(
        default=2, ge=1, le=16,
        description="export jobs a process makes at once: two overlap one's drawing (on a "
        "thread) with the other's storage and database round trips")
