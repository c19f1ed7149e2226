"""Request bodies: declared by each handler's ``data`` annotation, so the OpenAPI document shows
them, and read by ``parse_body``, so every error keeps its precise field and code.

Litestar hands a handler's body to its data DTO; ``Body`` is the gateway's one DTO (set on the
app, with no return DTO: handlers encode their responses): a pydantic model is parsed from JSON by
``parse_body``, ``bytes`` is the raw body (uploads).
"""

from typing import Any, ClassVar

from litestar import Request
from litestar.dto import AbstractDTO
from litestar.typing import FieldDefinition

from atelier.contracts import ErrorCode, ErrorItem
from atelier.kit.errors import Invalid, UnsupportedMediaType
from atelier.kit.http import parse_body

# a route's opt: its JSON body may come as text/plain (navigator.sendBeacon sends a string so,
# since a beacon with another type is not a CORS-safelisted request and browsers refuse to send
# it without a preflight, which a beacon cannot make)
PLAIN_TEXT_JSON = "atelier.plain_text_json"


class Body(AbstractDTO[Any]):
    _models: ClassVar[dict[str, Any]] = {}  # handler id -> the annotation of its ``data``

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        cls._models[handler_id] = field_definition.annotation

    @classmethod
    def model_of(cls, handler_id: str) -> Any:
        """What a route reads its body as: a pydantic model, or ``bytes``."""
        return cls._models[handler_id]

    def decode_bytes(self, value: bytes) -> Any:
        model = self.model_of(self.asgi_connection.route_handler.handler_id)
        if model is not bytes:
            return parse_body(model, value)
        if not value:
            message = "Send the file as the request body."
            raise Invalid("The body is empty.",
                          [ErrorItem(field="body", code=ErrorCode.INVALID_FIELD, message=message)])
        return value

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any
    ) -> Any:
        return schema_creator.for_field_definition(field_definition)


def is_plain_text(content_type: str | None) -> bool:
    return (content_type or "").partition(";")[0].strip().lower() == "text/plain"


def is_json(content_type: str | None) -> bool:
    """``application/json`` or a ``+json`` type (``application/merge-patch+json``), any
    parameters (``; charset=utf-8``)."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def check_body(request: Request) -> None:
    """Before any route reads a body: a JSON body must say it is JSON (415 otherwise; uploads
    check their own types), and an empty body gets the error ``Body`` gives it (malformed JSON,
    or an empty upload) here, since Litestar gives no empty body to a DTO."""
    handler = request.route_handler
    if handler.parsed_data_field is None:
        return
    if not await request.body():
        # AbstractDTO (no ABC) declares abstract the hooks of litestar's DTO backends, which
        # Body replaces (``create_for_field_definition``) and so never needs
        Body(request).decode_bytes(b"")  # type: ignore[abstract]
    elif Body.model_of(handler.handler_id) is not bytes:
        content_type = request.headers.get("content-type")
        if not is_json(content_type) and not (handler.opt.get(PLAIN_TEXT_JSON)
                                              and is_plain_text(content_type)):
            raise UnsupportedMediaType.of("application/json")
