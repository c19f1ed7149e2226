from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class ManufacturingSettings(ServiceSettings):
    service: ClassVar[str] = "manufacturing"
    http_port: int = 8015
