from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    service: ClassVar[str] = "ingress"
    http_port: int = 8010
    ops_port: int | None = 8110  # health, metrics and /schema: not on the public port
