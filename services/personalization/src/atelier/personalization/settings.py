from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class PersonalizationSettings(ServiceSettings):
    service: ClassVar[str] = "personalization"
    http_port: int = 8011
