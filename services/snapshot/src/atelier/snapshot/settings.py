from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class SnapshotSettings(ServiceSettings):
    service: ClassVar[str] = "snapshot"
    http_port: int = 8013
