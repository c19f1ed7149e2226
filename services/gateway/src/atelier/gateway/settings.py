from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service: ClassVar[str] = "gateway"
    http_port: int = 8000
