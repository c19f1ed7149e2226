"""The brand's emails (settings, previews, suppression list) and the public unsubscribe link of
optional emails (RFC 8058: a GET shows a button, the one-click POST unsubscribes, so that a link
scanner opening the page unsubscribes no one)."""

from html import escape
from typing import Annotated

from litestar import MediaType, Response, delete, get, post, put
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter

from atelier.contracts.notification import (
    EmailSettings,
    EmailTemplate,
    Preview,
    Suppress,
    Suppression,
    SuppressionList,
)
from atelier.contracts.types import EMAIL
from atelier.gateway.handlers import notifications as handlers
from atelier.gateway.http.common import (
    ADMIN,
    IDEMPOTENT,
    KEYED,
    WITH_BODY,
    AppRuntime,
    KeyCaller,
    json_response,
    problems,
)
from atelier.gateway.http.idempotency import OncePerKey

Address = Annotated[str, PathParameter(max_length=254, pattern=EMAIL,
                                       examples=[Example(value="ada@example.com")])]
TemplateName = Annotated[EmailTemplate, PathParameter(
    examples=[Example(value="order_confirmation")])]
Token = Annotated[str, QueryParameter(min_length=1, max_length=1000, pattern=r"^[A-Za-z0-9_.-]+$",
                                      description="the signed token of the email's link",
                                      examples=[Example(value="eyJiIjoiYnJhbmQifQ.c2lnbmF0dXJl")])]
PAGE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "form-action 'self'", "Referrer-Policy": "no-referrer"}


@get("/v1/admin/notifications/settings", **ADMIN, responses=KEYED)
async def email_settings(runtime: AppRuntime, caller: KeyCaller) -> Response[EmailSettings]:
    """The brand's email settings (the platform's defaults until it sets its own)."""
    return json_response(await handlers.settings(runtime, caller))


@put("/v1/admin/notifications/settings", **ADMIN, responses=WITH_BODY)
async def set_email_settings(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[EmailSettings]
) -> Response[EmailSettings]:
    """Who the brand's emails come from (a sender at one of the platform's domains, else 422
    `sender_domain_not_allowed`), where production errors go, its logo, colours, default
    language and wording; whether the optional render-ready email is sent."""
    return json_response(await handlers.set_settings(runtime, caller, data))


@post("/v1/admin/notifications/templates/{template:str}/preview", **ADMIN, status_code=200,
      responses=KEYED)
async def preview_email(
    runtime: AppRuntime, caller: KeyCaller, template: TemplateName,
    locale: Annotated[str | None, QueryParameter(
        pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$", description="en or fr; none: the brand's default",
        examples=[Example(value="fr")])] = None,
) -> Response[Preview]:
    """The template rendered with sample data, in the brand's look and words: its subject, HTML
    and plain text. Changes nothing: no Idempotency-Key needed."""
    return json_response(await handlers.preview(runtime, caller, template, locale))


@get("/v1/admin/notifications/suppressions", **ADMIN, responses=KEYED)
async def suppressions(runtime: AppRuntime, caller: KeyCaller) -> Response[SuppressionList]:
    """Addresses the brand sends nothing more to: bounced (no email at all), unsubscribed or
    added by hand (no optional email)."""
    return json_response(await handlers.suppressions(runtime, caller))


@post("/v1/admin/notifications/suppressions", **ADMIN, status_code=201, responses=IDEMPOTENT)
async def suppress(
    runtime: AppRuntime, caller: KeyCaller, data: JSONBody[Suppress], once: OncePerKey
) -> Response[Suppression]:
    """Put an address on the list (a complaint, a request)."""
    return await once(lambda: handlers.suppress(runtime, caller, data), data, 201)


@delete("/v1/admin/notifications/suppressions/{address:str}", **ADMIN, status_code=200,
        responses=KEYED)
async def unsuppress(
    runtime: AppRuntime, caller: KeyCaller, address: Address
) -> Response[SuppressionList]:
    """Take an address off the list (it receives the brand's emails again); the list after."""
    return json_response(await handlers.unsuppress(runtime, caller, address))


@get("/v1/email/unsubscribe", media_type=MediaType.HTML, responses=problems(400))
async def unsubscribe_page(token: Token) -> Response[str]:
    """The page an unsubscribe link opens: a button that unsubscribes (nothing happens on GET)."""
    form = (f'<form method="post" action="/v1/email/unsubscribe?token={escape(token)}">'
            '<button type="submit">Unsubscribe / Se désabonner</button></form>')
    return Response(_page("Unsubscribe from these emails?", form), headers=PAGE)


@post("/v1/email/unsubscribe", media_type=MediaType.HTML, status_code=200,
      responses=problems(400, 422, 503))
async def unsubscribe(runtime: AppRuntime, token: Token) -> Response[str]:
    """Unsubscribe the address the token names from the brand's optional emails: the page's
    button, or a mail client's one-click POST (`List-Unsubscribe=One-Click`, RFC 8058)."""
    await handlers.unsubscribe(runtime, token)
    return Response(_page("You are unsubscribed.", "<p>Vous êtes désabonné(e).</p>"),
                    headers=PAGE)


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body style=\"font-family: sans-serif; "
            f'max-width: 32em; margin: 4em auto\"><h1>{escape(title)}</h1>{body}</body></html>')
