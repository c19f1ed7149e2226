"""Schemathesis against the live gateway, from the published OpenAPI document
(``proto-schemas/openapi/gateway.json``): does the server do what the document says?

Every operation, in every phase schemathesis has: the document's examples, its coverage of each
constraint's edges and of what breaks them (negative cases), generated data, and stateful
sequences that follow the document's links (a snapshot made, then read, validated, locked).
Every check: no server error, status codes, content types, headers and bodies as documented,
invalid data refused and valid data accepted, authentication not ignored, a resource made can be
read. As the brand the caller names (its keys and the platform operator's token).

The test suite runs it with a few examples per operation (``tests-e2e/tests/test_contract.py``),
the benchmark with more (``fuzz.requests``, ``fuzz.server_errors``).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.engine import events
from schemathesis.engine import from_schema as engine_for

# the font and 3D model uploads' bodies are the files' bytes, sent as they are
schemathesis.serializer.alias("font/sfnt", "application/octet-stream")
schemathesis.serializer.alias("model/gltf-binary", "application/octet-stream")

OPENAPI = Path(__file__).resolve().parents[4] / "proto-schemas" / "openapi" / "gateway.json"
CHECKS = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance", "positive_data_acceptance",
    "negative_data_rejection", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "use_after_free", "ensure_resource_availability", "ignored_auth",
)


@dataclass(frozen=True)
class Credentials:
    publishable_key: str
    secret_key: str
    platform_token: str


@dataclass
class Report:
    requests: int = 0
    server_errors: int = 0
    operations: set[str] = field(default_factory=set)  # every operation a request was sent to
    failures: dict[str, str] = field(default_factory=dict)  # "operation: failure" -> how to see it
    errors: list[str] = field(default_factory=list)  # what kept schemathesis from testing
    phases: dict[str, str] = field(default_factory=dict)  # phase -> how it ended


def fuzz(base_url: str, credentials: Credentials, max_examples: int, seed: int = 11) -> Report:
    """Run every phase with every check against ``base_url``; ``max_examples`` bounds the data
    generated for each operation (and so the run's length)."""
    config = schemathesis.Config.from_dict({
        "base-url": base_url,
        "seed": seed,
        "workers": 1,
        "cache": {"enabled": False},  # nothing kept between runs: each run stands alone
        "generation": {"max-examples": max_examples, "mode": "all", "database": "none"},
        "checks": {
            **{name: {"enabled": True} for name in CHECKS},
            # a request the document allows may still break a rule no schema states (a font the
            # brand does not have, a key used for another request): a 422, never a 400
            "positive_data_acceptance": {"expected-statuses": [
                "2xx", "3xx", "401", "403", "404", "409", "422", "429"]},
            # schemathesis's list, and 413: a body past the size limit is refused too
            "negative_data_rejection": {"expected-statuses": [
                "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
                "5xx"]},
        },
        "phases": {"stateful": {"max-steps": 6}},
        "auth": {"openapi": {
            "widgetKey": {"api_key": credentials.publishable_key},
            "secretKey": {"bearer": credentials.secret_key},
            "platform": {"bearer": credentials.platform_token},
        }},
    })
    schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text()), config=config)
    report = Report()

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        report.requests += 1
        report.operations.add(case.operation.label)
        if response.status_code >= 500:
            report.server_errors += 1

    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            report.failures.update(_failures(event.recorder))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            report.errors.append(f"{getattr(event, 'label', '')}: {_error_of(event)}")
        elif isinstance(event, events.PhaseFinished):
            report.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                report.failures[f"{failure.operation}: {failure.title}"] = failure.message
    return report


def _failures(recorder: Any) -> Iterator[tuple[str, str]]:
    for case_id, checks in recorder.checks.items():
        for check in checks:
            info = check.failure_info
            if info is not None:
                failure = info.failure
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction is not None else None
                answer = "" if response is None else \
                    f"\n-> {response.status_code} {response.content[:500]!r}"
                yield (f"{failure.operation}: {failure.title}",
                       f"{failure.message}\n{info.code_sample}{answer}")


def _error_of(event: Any) -> str:
    error = getattr(event, "value", None) or getattr(event, "exception", None)
    return f"{type(error).__name__}: {error}"
