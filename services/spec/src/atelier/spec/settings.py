from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class SpecSettings(ServiceSettings):
    service: ClassVar[str] = "spec"
    http_port: int = 8012
