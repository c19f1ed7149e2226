"""Errors that carry their problem details, so HTTP, RPC and the widget speak one language."""

from pydantic import ValidationError

from atelier.contracts import ErrorCode, ErrorItem, Problem


class AtelierError(Exception):
    status = 500
    title = "Internal error"

    def __init__(
        self, detail: str, errors: list[ErrorItem] | None = None, retry_after_s: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.retry_after_s = retry_after_s  # for a refusal that will pass: when to try again

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (``Retry-After``)."""
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}

    @property
    def problem(self) -> Problem:
        return Problem(title=self.title, status=self.status, detail=self.detail, errors=self.errors,
                       retry_after_s=self.retry_after_s)

    @classmethod
    def from_problem(cls, problem: Problem) -> "AtelierError":
        detail = problem.detail or problem.title
        for sub in (BadRequest, NotFound, Invalid, Conflict, Unauthorized, Forbidden, Unavailable,
                    BadGateway):
            if sub.status == problem.status:
                return sub(detail, problem.errors, problem.retry_after_s)
        error = AtelierError(detail, problem.errors, problem.retry_after_s)
        error.status, error.title = problem.status, problem.title
        return error


class BadRequest(AtelierError):
    """The request does not match its published schema (malformed JSON, a field of the wrong
    type, out of its bounds, unknown): 400. A well-formed request that a rule refuses is
    ``Invalid`` (422)."""

    status = 400
    title = "Bad request"


class Invalid(AtelierError):
    status = 422
    title = "Invalid input"


class NotFound(AtelierError):
    status = 404
    title = "Not found"

    @classmethod
    def of(cls, what: str, field: str = "id") -> "NotFound":
        return cls(f"{what} not found", [ErrorItem(field=field, code=ErrorCode.NOT_FOUND,
                                                   message=f"No {what} with this id.")])


class Conflict(AtelierError):
    status = 409
    title = "Conflict"


class Unauthorized(AtelierError):
    status = 401
    title = "Unauthorized"


class Forbidden(AtelierError):
    status = 403
    title = "Forbidden"


class UnsupportedMediaType(AtelierError):
    status = 415
    title = "Unsupported media type"

    @classmethod
    def of(cls, expected: str) -> "UnsupportedMediaType":
        message = f"Send the body as {expected} (the Content-Type header)."
        return cls(message, [ErrorItem(field="Content-Type", code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                                       message=message)])


class TooManyRequests(AtelierError):
    status = 429
    title = "Too many requests"


class RequestTimeout(AtelierError):
    """The client did not send its request in time (``http_body_timeout_s``): the connection
    closes with the answer, since the rest of the body may still be on its way."""

    status = 408
    title = "Request timeout"

    @property
    def headers(self) -> dict[str, str]:
        return {**super().headers, "Connection": "close"}


class Unavailable(AtelierError):
    status = 503
    title = "Service unavailable"


class BadGateway(AtelierError):
    """A provider behind us refused what we asked of it (a payment provider's 4xx)."""

    status = 502
    title = "Bad gateway"


class PoisonMessage(Exception):
    """A message that can never succeed: it goes to the dead-letter subject with this reason."""


def errors_of(exc: ValidationError) -> list[ErrorItem]:
    """Pydantic's errors as Atelier error items (field path, stable code, message)."""
    items = []
    for error in exc.errors(include_url=False):
        loc = [str(p) for p in error["loc"] if p not in ("data", "body")]
        items.append(
            ErrorItem(
                field=".".join(loc) or "body", code=ErrorCode.INVALID_FIELD, message=error["msg"]
            )
        )
    return items


def describe(error: AtelierError) -> str:
    """The error in one line: what a dead letter's reason header says."""
    items = "; ".join(f"{item.field}: {item.message}" for item in error.errors)
    return f"{error.detail}: {items}" if items else error.detail
