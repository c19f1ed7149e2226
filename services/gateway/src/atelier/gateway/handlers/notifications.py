"""The brand's emails: their settings, previews of each template, the suppression list; the
unsubscribe links of optional emails."""

from atelier.contracts.catalog import (
    GET_EMAIL_SETTINGS,
    LIST_SUPPRESSIONS,
    PREVIEW_EMAIL,
    SET_EMAIL_SETTINGS,
    SUPPRESS,
    UNSUBSCRIBE,
    UNSUPPRESS,
)
from atelier.contracts.notification import (
    EmailSettings,
    EmailTemplate,
    GetEmailSettings,
    ListSuppressions,
    Preview,
    PreviewTemplate,
    Suppress,
    Suppression,
    SuppressionList,
    Unsubscribe,
    Unsuppress,
)
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.kit.runtime import Runtime


async def settings(runtime: Runtime, caller: Caller) -> EmailSettings:
    return await call(runtime, caller, GET_EMAIL_SETTINGS, GetEmailSettings())


async def set_settings(runtime: Runtime, caller: Caller, new: EmailSettings) -> EmailSettings:
    return await call(runtime, caller, SET_EMAIL_SETTINGS, new)


async def preview(runtime: Runtime, caller: Caller, template: EmailTemplate, locale: str | None
                  ) -> Preview:
    return await call(runtime, caller, PREVIEW_EMAIL,
                      command(PreviewTemplate, template=template, locale=locale))


async def suppressions(runtime: Runtime, caller: Caller) -> SuppressionList:
    return await call(runtime, caller, LIST_SUPPRESSIONS, ListSuppressions())


async def suppress(runtime: Runtime, caller: Caller, asked: Suppress) -> Suppression:
    return await call(runtime, caller, SUPPRESS, asked)


async def unsuppress(runtime: Runtime, caller: Caller, address: str) -> SuppressionList:
    return await call(runtime, caller, UNSUPPRESS, command(Unsuppress, address=address))


async def unsubscribe(runtime: Runtime, token: str) -> None:
    """The link's signed token names the brand: the caller has none of its own."""
    await runtime.bus.call(UNSUBSCRIBE, command(Unsubscribe, token=token), brand_id=None)
