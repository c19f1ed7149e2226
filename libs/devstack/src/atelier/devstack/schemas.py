"""``make schemas``: the public contract as files under ``proto-schemas/``.

- ``bus/<subject>.json``: JSON Schema of every bus message in its envelope (and ``.reply.json``
  for rpc replies), from ``atelier.contracts.catalog``;
- ``asyncapi/<service>.json``: what each service consumes and answers (its FastStream broker) and
  what it emits through its outbox;
- ``openapi/gateway.json``: the gateway's HTTP API;
- ``spec/design-spec.v<N>.json``: the published JSON Schema of a design spec document.

``python -m atelier.devstack.schemas write`` writes them; ``check`` exits 1 when the committed
files differ from what the code generates (the test suite runs the same comparison).
"""

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI

from atelier.contracts import RpcReply
from atelier.contracts.catalog import MESSAGES, SERVICES, Message, dlq_subject, envelope_model
from atelier.contracts.spec import DesignSpec, DesignSpecV1
from atelier.kit.rpc import REQUEST_KEY
from atelier.kit.settings import settings_class

ROOT = Path(__file__).resolve().parents[5] / "proto-schemas"


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def bus_schemas() -> dict[str, str]:
    files = {}
    for message in MESSAGES:
        envelope = envelope_model(message)
        files[f"bus/{message.subject}.json"] = _dump(
            {"$comment": f"{message.kind} owned by {message.owner}",
             **envelope.model_json_schema()}
        )
        if message.reply is not None:
            reply = RpcReply[message.reply]  # type: ignore[name-defined]
            files[f"bus/{message.subject}.reply.json"] = _dump(
                {"$comment": f"reply to {message.subject}", **reply.model_json_schema()}
            )
    return files


REFUSED = (" A request that is not this envelope (not JSON, another type or version, data its "
           "schema refuses) is answered with a problem of status 422.")
QUERY = "Query (core NATS request/reply): answers an RpcReply; changes nothing." + REFUSED
COMMAND = (
    f"Command (core NATS request/reply): send it with the header {REQUEST_KEY} naming the "
    "request; the first answer of a key is recorded with the command's writes and sent again "
    "to every retry with that key (per brand and method), so a retried command never does its "
    "work twice. Without a key or a brand it is refused (422)." + REFUSED
)
CONSUMED = (
    "Durable pull consumer {name} (JetStream, acknowledged once handled): a message is handled "
    "once per envelope id, and tried again after a growing delay when it fails for a passing "
    "reason. A message that is not this envelope (not JSON, another type or version, data its "
    "schema refuses), or that can never succeed, is dead-lettered at once to {dlq}, with the "
    "reason in the header Atelier-Dlq-Reason."
)


def _settings(service: str) -> Any:
    return settings_class(service)(otlp_endpoint=None)


def asyncapi(service: str) -> str:
    bootstrap = importlib.import_module(f"atelier.{service}.bootstrap").bootstrap
    runtime = bootstrap(_settings(service))
    for consumer in runtime.bus.consumed:  # read raw by the kit: documented here
        runtime.broker.subscriber(
            consumer.message.subject, title=consumer.name,
            description=CONSUMED.format(name=consumer.name, dlq=dlq_subject(service)),
        )(_documented(consumer.message, None))
    for message in MESSAGES:
        if message.owner != service:
            continue
        if message.kind == "rpc":  # answered on nats-py directly (kit.rpc): documented here
            runtime.broker.subscriber(
                message.subject, queue=service, title=message.subject,
                description=COMMAND if message.mutates else QUERY,
            )(_documented(message, RpcReply[message.reply]))  # type: ignore[name-defined]
        else:  # emitted through the outbox: documented as publishers
            runtime.broker.publisher(
                message.subject, title=f"{message.subject}:publish",
                schema=envelope_model(message),
            )
    spec = AsyncAPI(runtime.broker, title=f"atelier-{service}", version="1")
    return _dump(spec.to_specification().to_jsonable())


def _documented(message: Message, reply: Any) -> Any:
    """A handler whose signature carries the message's schema (and its reply's), for AsyncAPI
    only: it is never subscribed."""
    envelope = envelope_model(message)

    async def handle(body: envelope) -> reply:  # type: ignore[valid-type]
        raise NotImplementedError

    handle.__name__ = message.subject.replace(".", "_")
    return handle


def openapi_gateway() -> str:
    app = importlib.import_module("atelier.gateway.app").create_app(_settings("gateway"))
    return _dump(app.openapi_schema.to_schema())


def design_spec_schema(model: type[DesignSpec] | type[DesignSpecV1]) -> str:
    version = model.model_fields["spec_version"].default
    schema = model.model_json_schema()
    schema["$id"] = f"https://atelier.dev/schemas/design-spec.v{version}.json"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return _dump(schema)


def generate() -> dict[str, str]:
    files = bus_schemas()
    # every version a stored spec may have: version 1 is still read and drawn
    for model in (DesignSpecV1, DesignSpec):
        version = model.model_fields["spec_version"].default
        files[f"spec/design-spec.v{version}.json"] = design_spec_schema(model)
    for service in SERVICES:
        files[f"asyncapi/{service}.json"] = asyncapi(service)
    files["openapi/gateway.json"] = openapi_gateway()
    return files


def drift(root: Path = ROOT) -> list[str]:
    """Paths whose committed content differs from the generated one (or is missing/extra)."""
    files = generate()
    committed = {str(p.relative_to(root)) for p in root.rglob("*.json")} if root.exists() else set()
    changed = [
        k for k, v in files.items() if not (root / k).is_file() or (root / k).read_text() != v
    ]
    return sorted(changed + [k for k in committed if k not in files])


def write(root: Path = ROOT) -> None:
    files = generate()
    for old in root.rglob("*.json"):
        if str(old.relative_to(root)) not in files:
            old.unlink()
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "write":
        write()
        print(f"wrote {ROOT}")
    elif (changed := drift()):
        print("proto-schemas/ differs from the code; run `make schemas`:")
        print("  " + "\n  ".join(changed))
        sys.exit(1)


if __name__ == "__main__":
    main()
