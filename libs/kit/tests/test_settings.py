"""Settings: a service's own ``ATELIER_<SVC>_`` variables win over the shared ``ATELIER_`` ones."""

from typing import ClassVar

import pytest

from atelier.kit.db import service_database_url
from atelier.kit.retry import Backoff
from atelier.kit.settings import ServiceSettings


class ProbeSettings(ServiceSettings):
    service: ClassVar[str] = "probe"


def test_service_variable_overrides_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("ATELIER_MAX_DELIVER", "5")
    monkeypatch.setenv("ATELIER_PROBE_MAX_DELIVER", "9")
    monkeypatch.setenv("ATELIER_OTHER_NATS_URL", "nats://someone-else:4222")
    settings = ProbeSettings()
    assert settings.max_deliver == 9  # its own
    assert settings.nats_url == "nats://shared:4222"  # shared, another service's ignored


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_PROBE_MAX_DELIVER", "9")
    assert ProbeSettings(max_deliver=3).max_deliver == 3


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_PROBE_MAX_DELIVER", "1")
    with pytest.raises(ValueError, match="max_deliver"):
        ProbeSettings()


def test_a_service_connects_as_its_own_role_not_as_the_owner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = "postgresql+asyncpg://owner:owner-secret@db:5432/atelier"
    settings = ProbeSettings(database_url=owner)
    assert settings.database_role == "atelier_probe"
    # the owner's password serves setup only
    assert service_database_url(settings) == "postgresql+asyncpg://atelier_probe@db:5432/atelier"
    monkeypatch.setenv("ATELIER_PROBE_DATABASE_ROLE_PASSWORD", "p@ss/word")
    assert service_database_url(ProbeSettings(database_url=owner)) == (
        "postgresql+asyncpg://atelier_probe:p%40ss%2Fword@db:5432/atelier"
    )
    monkeypatch.setenv("ATELIER_DATABASE_ROLE", "")  # no role: as database_url's own user
    assert service_database_url(ProbeSettings(database_url=owner)) == owner


def test_the_default_retry_schedules_outlast_a_15_minute_outage() -> None:
    settings = ProbeSettings()
    for backoff in (settings.delivery_backoff, settings.outbox_backoff):
        waits = backoff.schedule()
        assert sum(waits) >= 15 * 60  # before a message is dead-lettered or a row parked
        assert max(waits) == settings.retry_max_delay_s  # and no single wait is longer


def test_the_retry_schedule_doubles_from_its_base_up_to_its_cap() -> None:
    assert Backoff(1.0, 10.0, attempts=6).schedule() == [1, 2, 4, 8, 10]
    assert Backoff(1.0, 10.0, attempts=1).schedule() == []  # one attempt: no wait
