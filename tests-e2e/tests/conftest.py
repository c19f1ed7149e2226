from collections.abc import AsyncIterator

import pytest

from atelier.e2e.system import System, running_system


@pytest.fixture(scope="module")
async def system(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    # a short AckWait so that a killed render replica's message comes back within the test
    render = {"ATELIER_RENDER_ACK_WAIT_S": "2", "ATELIER_RENDER_MAX_DELIVER": "5"}
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("system"),
                              {"render": render}) as running:
        yield running
