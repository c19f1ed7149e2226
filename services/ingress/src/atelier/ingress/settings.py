from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    service: ClassVar[str] = "ingress"
    http_port: int = 8010
