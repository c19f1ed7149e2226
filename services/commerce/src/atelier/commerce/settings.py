from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class CommerceSettings(ServiceSettings):
    service: ClassVar[str] = "commerce"
    http_port: int = 8016
