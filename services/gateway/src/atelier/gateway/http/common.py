"""What every controller uses: the injected runtime and caller, who may call a route, the
problems it may answer with, and the encoding of its response."""

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any

from litestar import MediaType, Response
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import PathParameter
from pydantic import BaseModel

from atelier.contracts import ErrorCode, ErrorItem, Problem
from atelier.contracts.spec import KEY, SHA256_HEX
from atelier.contracts.types import ID_EXAMPLE, ID_MAX_LENGTH, ID_PATTERN
from atelier.gateway import auth, openapi
from atelier.gateway.auth import Caller
from atelier.kit.errors import Invalid
from atelier.kit.http import PROBLEM_JSON
from atelier.kit.runtime import Runtime

AppRuntime = NamedDependency[Runtime]  # provided by create_app
KeyCaller = NamedDependency[Caller]  # resolved by the route's key check: WIDGET or ADMIN
# Who may call a route, checked (``auth.requires``, the route's ``opt``) and documented (its
# ``security``) from one marker: ``@get(path, **WIDGET)``
WIDGET: dict[str, Any] = {"opt": auth.requires(auth.widget_key),
                          "security": [{openapi.WIDGET_KEY: []}, {openapi.SECRET_KEY: []}]}
ADMIN: dict[str, Any] = {"opt": auth.requires(auth.admin_key),
                         "security": [{openapi.SECRET_KEY: []}, {openapi.BRAND_USER: []}]}
PLATFORM: dict[str, Any] = {"opt": auth.requires(auth.platform_operator),
                            "security": [{openapi.PLATFORM: []}]}

# Path parameters, constrained as the bodies' ids are (``atelier.contracts.types``): anything
# else is a 400 before any service or database sees it
PathId = Annotated[str, PathParameter(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
                                      examples=[Example(value=ID_EXAMPLE)])]
ViewKey = Annotated[str, PathParameter(pattern=KEY, examples=[Example(value="front")])]
SpecHash = Annotated[str, PathParameter(pattern=SHA256_HEX, examples=[Example(value="0" * 64)])]

# an instant with its offset, in a query (``before=``, ``since=``), as the answers write them
INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


def instant(text: str | None, field: str) -> datetime | None:
    """A query's instant (already of the ``INSTANT`` shape), or None when not given."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # the shape, but no such instant (a 13th month): a rule, so a 422
        message = "Give an instant such as 2026-12-07T10:14:03+00:00."
        raise Invalid(f"{field} is not an instant.", [ErrorItem(
            field=field, code=ErrorCode.INVALID_FIELD, message=message)]) from None


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem details a route may answer with, for the OpenAPI document."""
    return {
        status: ResponseSpec(Problem, description=HTTPStatus(status).phrase,
                             media_type=PROBLEM_JSON, generate_examples=False)
        for status in statuses
    }


KEYED = problems(400, 401, 403, 404, 422, 429, 503)
WITH_BODY = {**KEYED, **problems(413)}
# a POST under an Idempotency-Key: 409 while the key's first request is still running
IDEMPOTENT = {**WITH_BODY, **problems(409)}


def json_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
    return encoded_json(model.model_dump_json().encode(), status_code, headers)


def encoded_json(
    body: bytes, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
    """JSON encoded already (e.g. to compute its ETag first): the route's ``Response[Model]``
    annotation documents what it holds."""
    return Response(content=body, status_code=status_code, media_type=MediaType.JSON,
                    headers=headers)
