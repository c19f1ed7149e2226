from typing import ClassVar

from atelier.kit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service: ClassVar[str] = "notification"
    http_port: int = 8017
