"""The published OpenAPI document is the enforced one: schemathesis runs every operation of it
against the live system, every check, a few examples each (``atelier.e2e.fuzz``)."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from atelier.e2e.bench import LIMITS
from atelier.e2e.fuzz import OPENAPI, Credentials, fuzz
from atelier.e2e.system import System, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def fuzzed(database_url: str, nats_url: str, tmp_path_factory) -> AsyncIterator[System]:
    # one client address sends every request: the rate limits are raised out of its way
    async with running_system(database_url, nats_url, tmp_path_factory.mktemp("contract"),
                              {"gateway": LIMITS}) as running:
        yield running


@pytest.mark.timeout(300)
async def test_the_live_gateway_does_what_its_openapi_document_says(fuzzed: System) -> None:
    demo = await fuzzed.new_brand()
    credentials = Credentials(demo.publishable_key, demo.secret_key, fuzzed.platform_token)

    report = await asyncio.to_thread(fuzz, fuzzed.gateway_url, credentials, max_examples=10)

    assert report.errors == []
    assert report.failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert report.server_errors == 0
    documented = {f"{method.upper()} {path}"
                  for path, item in json.loads(OPENAPI.read_text())["paths"].items()
                  for method in item}
    assert report.operations == documented
    assert report.phases == dict.fromkeys(
        ("probing", "schema_analysis", "auth_bootstrap", "examples", "coverage", "fuzzing",
         "stateful"), "success")
