from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class RenderSettings(ServiceSettings):
    service: ClassVar[str] = "render"
    http_port: int = 8014
