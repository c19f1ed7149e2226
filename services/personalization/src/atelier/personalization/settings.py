from typing import ClassVar

from pydantic import Field

from atelier.kit.settings import ServiceSettings


class PersonalizationSettings(ServiceSettings):
    service: ClassVar[str] = "personalization"
    http_port: int = 8011
    # How stale a replica may be after another one published a template or changed a word list:
    # the validate path reads both from memory, never from the database when warm.
    current_version_ttl_s: float = Field(default=5.0, gt=0)
    word_list_ttl_s: float = Field(default=5.0, gt=0)
    max_font_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    analytics_retention_days: float = Field(
        default=395, gt=0, description="how long the widget's analytics events are kept (13 "
        "months: a month compared with the same month a year before); older ones are deleted "
        "by housekeeping")
