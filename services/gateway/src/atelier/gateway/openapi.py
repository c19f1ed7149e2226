"""The published OpenAPI document is the enforced one.

- Every body's schema is pydantic's own JSON Schema of the model that validates it (``Schemas``):
  patterns, bounds, refused extra fields, a zone value's text-or-object, as enforced. (Litestar
  rebuilds schemas field by field and loses some of them: a ``dict`` of annotated values became an
  array, patterns and ``extra="forbid"`` vanished.)
- Who may call a route is documented from the same marker that is checked (``auth.requires``):
  the security schemes below.
- Create operations link to the operations that read what they made (``linked``), so that a
  client, or schemathesis's stateful run, can follow them.
- Operation ids are the controllers' names (``create_snapshot``, ``snapshot``).
"""

import dataclasses
from collections.abc import Callable
from enum import Enum
from typing import Any, get_args

from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIFormat,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from pydantic import BaseModel

WIDGET_KEY, SECRET_KEY, BRAND_USER, PLATFORM = "widgetKey", "secretKey", "brandUser", "platform"
SECURITY_SCHEMES = {
    WIDGET_KEY: SecurityScheme(
        type="apiKey", name="X-Atelier-Key", security_scheme_in="header",
        description="The brand's publishable key (pk_…), from the widget on an allowed origin; "
                    "a secret key (sk_…) is accepted too.",
    ),
    SECRET_KEY: SecurityScheme(
        type="http", scheme="bearer", bearer_format="sk_…",
        description="A secret key of the brand (Authorization: Bearer sk_…), from servers.",
    ),
    BRAND_USER: SecurityScheme(
        type="http", scheme="bearer", bearer_format="JWT",
        description="A brand user's token (Supabase-compatible claims: app_metadata.brand_id and "
                    "app_metadata.atelier_role, admin or viewer; viewers may only read).",
    ),
    PLATFORM: SecurityScheme(
        type="http", scheme="bearer",
        description="The platform operator's token (ATELIER_GATEWAY_PLATFORM_TOKEN).",
    ),
}


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Atelier gateway",
        version="1",
        description="The widget's and the brands' HTTP API. Errors are RFC 9457 problem details "
                    "with an `errors` list of `{field, code, message, position}`: 400 when a "
                    "request does not match this document, 422 when it does but a rule refuses "
                    "it (a font the brand does not have, a text that does not fit, an "
                    "Idempotency-Key used for another request).",
        components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        operation_id_creator=lambda handler, _method, _path: handler.handler_name,
        use_handler_docstrings=True,
    )


def linked(status: int, **links: tuple[str, dict[str, str]]) -> type[Operation]:
    """An operation whose ``status`` answer links to others: ``name=(operation id, {parameter:
    runtime expression})``, e.g. ``snapshot=("snapshot", {"snapshot_id": "$response.body#/id"})``.
    """

    @dataclasses.dataclass
    class LinkedOperation(Operation):
        def __post_init__(self) -> None:
            assert self.responses is not None
            response = self.responses[str(status)]
            assert not isinstance(response, Reference)
            response.links = {name: Link(operation_id=operation, parameters=parameters)
                              for name, (operation, parameters) in links.items()}

    return LinkedOperation


class Schemas(OpenAPISchemaPlugin):
    """Documents each pydantic model by pydantic's JSON Schema of it (validation mode), as a
    component of its own; the models and enumerations it refers to are components too."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        annotation = field_definition.annotation
        return isinstance(annotation, type) and issubclass(annotation, BaseModel)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        model: type[BaseModel] = field_definition.annotation
        # registered before its parts are converted, as Litestar's own plugin does (a model may
        # refer to it); every attribute is then pydantic's
        component = schema_creator.create_component_schema(
            field_definition, required=[], property_fields={})
        document = model.model_json_schema(ref_template="#/$defs/{model}")
        document.pop("$defs", None)
        named = _named_types(model)

        def reference(name: str) -> Schema | Reference:
            if name not in named:
                raise ValueError(f"{model.__name__}: no model or enumeration named {name!r}")
            return schema_creator.for_field_definition(
                FieldDefinition.from_annotation(named[name]))

        converted = _schema(document, reference)
        assert isinstance(converted, Schema)
        for field in dataclasses.fields(Schema):
            setattr(component, field.name, getattr(converted, field.name))
        return component


def _named_types(model: type[BaseModel]) -> dict[str, type]:
    """The models and enumerations a model's fields refer to, by the names pydantic gives their
    definitions."""
    found: dict[str, type] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel | Enum):
            if annotation.__name__ in found:
                if found[annotation.__name__] is not annotation:
                    raise ValueError(f"two types named {annotation.__name__} in {model.__name__}")
                return
            found[annotation.__name__] = annotation
            if issubclass(annotation, BaseModel):
                for field in annotation.model_fields.values():
                    visit(field.annotation)
                    for item in field.metadata:  # Annotated[..., BeforeValidator(...)] input types
                        visit(getattr(item, "json_schema_input_type", None))
        for argument in get_args(annotation):
            visit(argument)

    for field in model.model_fields.values():
        visit(field.annotation)
        for item in field.metadata:
            visit(getattr(item, "json_schema_input_type", None))
    return found


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# JSON Schema keyword -> Schema attribute
_KEYWORDS = {
    field.metadata.get("alias", _camel(field.name)): field.name
    for field in dataclasses.fields(Schema)
}
_ONE = {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
        "contentSchema"}  # the last: a server-sent event's JSON data
_MANY = {"allOf", "anyOf", "oneOf", "prefixItems"}
_BY_NAME = {"properties", "patternProperties"}


def _schema(
    node: dict[str, Any], reference: Callable[[str], Schema | Reference]
) -> Schema | Reference:
    """A JSON Schema (as pydantic writes it) as Litestar's spec objects."""
    if "$ref" in node:
        target = reference(node["$ref"].removeprefix("#/$defs/"))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not siblings:
            return target
        # a description or default beside the reference: kept, the way Litestar writes it
        wrapper = _schema(siblings, reference)
        assert isinstance(wrapper, Schema)
        wrapper.all_of = [target]
        return wrapper
    attributes: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword not in _KEYWORDS:
            raise ValueError(f"JSON Schema keyword {keyword!r} has no OpenAPI equivalent here")
        if keyword in _ONE and isinstance(value, dict):
            value = _schema(value, reference)
        elif keyword in _MANY:
            value = [_schema(item, reference) for item in value]
        elif keyword in _BY_NAME:
            value = {name: _schema(item, reference) for name, item in value.items()}
        elif keyword == "type":
            value = [OpenAPIType(item) for item in value] if isinstance(value, list) \
                else OpenAPIType(value)
        elif keyword == "format":
            value = OpenAPIFormat(value)
        elif keyword == "discriminator":  # its mapping names the components, as $ref does
            value = {**value, "mapping": {
                tag: f"#/components/schemas/{ref.removeprefix('#/$defs/')}"
                for tag, ref in value.get("mapping", {}).items()}}
        attributes[_KEYWORDS[keyword]] = value
    return Schema(**attributes)
