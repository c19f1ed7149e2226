"""Bus messages for fuzzing, drawn with hypothesis from the JSON Schemas the contracts publish
(``proto-schemas/``, generated from the same pydantic models): valid data to start from, then
one mutation each — a field missing, of another type, a NUL in a string, an integer beyond any
column, a non-finite number, nesting without end, a string far too long — and envelopes that
are wrong as a whole (not JSON, not an envelope, another type or version).

Whether a mutation makes a message invalid is for its model to say (``atelier.kit.delivery.read``
on the same bytes); a consumer's or rpc method's duty is the same either way: answer at once,
invalid input with a refusal and a reason, never a crash, a retry or a timeout.
"""

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from atelier.contracts import new_id
from atelier.contracts.catalog import Message

Json = Any
Schema = dict[str, Any]
# stands in for a number JSON can write but no float holds: 1e309 parses as infinity
TOO_LARGE = "__too_large__"
DEEP = 5_000  # levels of nesting of the deepest JSON sent


def data_strategy(model: type[BaseModel]) -> st.SearchStrategy[Json]:
    """Data valid for ``model``, as JSON values, from its JSON Schema."""
    schema = model.model_json_schema()
    return _strategy(schema, schema.get("$defs", {})).filter(_valid_for(model))


def _valid_for(model: type[BaseModel]) -> Callable[[Json], bool]:
    """What the schema cannot say (one field against another) the model checks."""

    def valid(data: Json) -> bool:
        try:
            model.model_validate(data)
        except ValueError:
            return False
        return True

    return valid


def _strategy(schema: Schema, defs: dict[str, Schema]) -> st.SearchStrategy[Json]:  # noqa: C901, PLR0911 - one case per JSON Schema keyword
    if "$ref" in schema:
        return _strategy(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_strategy(s, defs) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, defs)
    if kind == "array":
        least = schema.get("minItems", 0)
        return st.lists(_strategy(schema.get("items", {}), defs), min_size=least,
                        max_size=min(schema.get("maxItems", least + 2), least + 2))
    if kind == "string":
        if schema.get("format") == "date-time":  # an instant with its offset, as JSON writes it
            return st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9000, 1, 1),
                                timezones=st.just(UTC)).map(datetime.isoformat)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        least = schema.get("minLength", 0)
        return st.text("abcXYZ019 -", min_size=least,
                       max_size=min(schema.get("maxLength", least + 12), least + 12))
    if kind == "integer":
        return st.integers(schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1),
                           schema.get("maximum", 1000))
    if kind == "number":
        return st.floats(schema.get("minimum", schema.get("exclusiveMinimum", -1000)),
                         schema.get("maximum", 1000), allow_nan=False, allow_infinity=False,
                         exclude_min="exclusiveMinimum" in schema)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.integers(0, 10)  # any JSON value will do


def _object(schema: Schema, defs: dict[str, Schema]) -> st.SearchStrategy[Json]:
    properties = schema.get("properties", {})
    if not properties and isinstance(schema.get("additionalProperties"), dict):
        names = _strategy(schema.get("propertyNames", {"pattern": "^[a-z]{1,8}$"}), defs)
        return st.dictionaries(names, _strategy(schema["additionalProperties"], defs),
                               max_size=min(schema.get("maxProperties", 2), 2))
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: _strategy(s, defs) for name, s in properties.items() if name in required},
        optional={name: _strategy(s, defs) for name, s in properties.items()
                  if name not in required},
    )


# --- mutations -------------------------------------------------------------------------------
def _paths(value: Json, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, the value itself first."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


def _replaced(value: Json, path: tuple[Any, ...], new: Json | None, delete: bool) -> Json:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copy


def _broken(original: Json) -> st.SearchStrategy[Json]:
    """What may replace a value to break it."""
    choices: list[Json] = [None, [], {}, True, "", 2**80, -(2**80), math.inf, -math.inf,
                           math.nan, TOO_LARGE, "x" * 100_000]
    if isinstance(original, str):
        choices += [original + "\x00", "\x00", 1]
    if isinstance(original, int | float) and not isinstance(original, bool):
        choices += [str(original), original * 1e300]
    return st.sampled_from(choices)


@st.composite
def mutated(draw: st.DrawFn, data: st.SearchStrategy[Json]) -> Json:
    """Valid data with one place removed, or replaced by a value meant to break it."""
    value = draw(data)
    path = draw(st.sampled_from(_paths(value)))
    if path and isinstance(path[-1], str) and draw(st.booleans()):
        return _replaced(value, path, None, delete=True)
    here: Json = value
    for step in path:
        here = here[step]
    return _replaced(value, path, draw(_broken(here)), delete=False)


def examples(strategy: st.SearchStrategy[Json], count: int) -> list[Json]:
    """``count`` values of ``strategy``, the same ones on every run (derandomized)."""
    found: list[Json] = []

    @settings(max_examples=count, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value: Json) -> None:
        found.append(value)

    collect()
    return found


# --- envelopes -------------------------------------------------------------------------------
def to_json(value: Json) -> str:
    """JSON text, non-finite numbers as JavaScript writes them (``Infinity``, ``NaN``) and
    ``TOO_LARGE`` as 1e309."""
    return json.dumps(value, allow_nan=True).replace(f'"{TOO_LARGE}"', "1e309")


def envelope(message: Message, data: str, brand_id: str | None, **fields: Json) -> bytes:
    """An envelope of ``message`` around ``data`` (JSON text), with ``fields`` changed."""
    head = {"id": new_id(), "type": message.type, "version": message.version,
            "occurred_at": datetime.now(UTC).isoformat(), "producer": "fuzz",
            "brand_id": brand_id, "correlation_id": new_id(), **fields}
    return f'{to_json(head)[:-1]}, "data": {data}}}'.encode()


def broken_envelopes(message: Message, valid_data: Json, brand_id: str) -> list[bytes]:
    """Messages wrong as a whole: not JSON, not an envelope, another type or version, a brand
    with a NUL, no data, data nested without end."""
    data = to_json(valid_data)
    return [
        b"\xff\xfe not JSON at all",
        b"[1, 2, 3]",
        b'"a string"',
        b'{"hello": "world"}',
        b"{" * 10,
        envelope(message, data, brand_id, type="another.thing"),
        envelope(message, data, brand_id, version=message.version + 1),
        envelope(message, data, brand_id, version=2**80),
        envelope(message, data, brand_id, id=["not", "an", "id"]),
        envelope(message, data, brand_id, occurred_at="yesterday"),
        envelope(message, data, f"{brand_id}\x00"),
        envelope(message, "null", brand_id),
        envelope(message, "[]", brand_id),
        envelope(message, "[" * DEEP + "]" * DEEP, brand_id),
        envelope(message, '{"a":' * DEEP + "1" + "}" * DEEP, brand_id),
    ]


def fuzzed(message: Message, valid_data: Json, brand_id: str, count: int) -> list[bytes]:
    """Broken envelopes, then ``count`` envelopes of mutated data."""
    mutations = examples(mutated(data_strategy(message.model)), count)
    return [*broken_envelopes(message, valid_data, brand_id),
            *(envelope(message, to_json(data), brand_id) for data in mutations)]
