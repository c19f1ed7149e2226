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
from atelier.kit.errors import Invalid
from atelier.kit.http import parse_body


class Body(AbstractDTO[Any]):
    _models: ClassVar[dict[str, Any]] = {}  # handler id -> the annotation of its ``data``

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        cls._models[handler_id] = field_definition.annotation

    def decode_bytes(self, value: bytes) -> Any:
        model = self._models[self.asgi_connection.route_handler.handler_id]
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


async def refuse_empty_body(request: Request) -> None:
    """Litestar gives no empty body to a DTO (the handler would fail on a missing ``data``):
    answer it here with the error ``Body`` gives it (malformed JSON, or an empty upload)."""
    handler = request.route_handler
    if handler.parsed_data_field is not None and not await request.body():
        # AbstractDTO (no ABC) declares abstract the hooks of litestar's DTO backends, which
        # Body replaces (``create_for_field_definition``) and so never needs
        Body(request).decode_bytes(b"")  # type: ignore[abstract]
