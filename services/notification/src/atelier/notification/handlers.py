"""Use cases of the notification service: the emails of an order's life decided from the
events (once per event, template and recipient), each brand's settings, previews and its
suppression list. The consumers run in the unit of work the kit opened for the message, which
commits them; the sender (``atelier.notification.sender``) hands the emails to SMTP afterwards."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

from atelier.contracts import Envelope, ErrorCode, ErrorItem, new_id
from atelier.contracts.commerce import (
    ItemStatus,
    Order,
    OrderPaid,
    OrderShipped,
    PersonalDataErased,
)
from atelier.contracts.manufacturing import BundleFailed
from atelier.contracts.notification import (
    EmailSettings,
    EmailTemplate,
    Preview,
    PreviewTemplate,
    Suppress,
    Suppression,
    SuppressionList,
    SuppressionReason,
    Unsubscribe,
    Unsubscribed,
)
from atelier.contracts.render import RenderCompleted
from atelier.kit.errors import Invalid
from atelier.kit.outbox import UnitOfWork
from atelier.notification import domain, emails
from atelier.notification.emails import content
from atelier.notification.models import SuppressionRow
from atelier.notification.repository import NotificationRepository
from atelier.notification.settings import NotificationSettings

Uow = UnitOfWork[NotificationRepository]
log = logging.getLogger(__name__)


class Lookups(Protocol):
    """What the emails read from the other services (over the bus, in the event's brand)."""

    async def order(self, brand_id: str, order_id: str) -> Order | None: ...

    async def mockup(self, brand_id: str, snapshot_id: str) -> "Mockup":
        """The snapshot's first view's mockup: drawn, still being drawn, or neither."""
        ...


@dataclass(frozen=True)
class Mockup:
    key: str | None = None  # the drawn mockup's object key
    pending: bool = False  # asked and still being drawn


class ProofsNotDrawn(LookupError):
    """A confirmation waits for its proofs: the event comes back (the kit's retry)."""


@dataclass(frozen=True)
class Deps:
    settings: NotificationSettings
    lookups: Lookups
    wake: Callable[[], None]  # the sender: an email was committed

    def asset_url(self, key: str) -> str:
        return f"{self.settings.public_url}/v1/assets/{key}"


# --- the emails ----------------------------------------------------------------------------------
async def on_order_paid(uow: Uow, deps: Deps, brand_id: str, event: Envelope[OrderPaid]) -> None:
    """The order confirmation to the shopper, each item with the proof of its design."""
    order = await deps.lookups.order(brand_id, event.data.order_id)
    if order is None or not order.email:
        log.info("no confirmation for order %s: no address to send it to", event.data.order_id)
        return
    brand = await brand_settings(uow, deps.settings, brand_id)
    locale = domain.choose_locale(order.locale, brand.default_locale)
    mockups = {item.snapshot_id: await deps.lookups.mockup(brand_id, item.snapshot_id)
               for item in order.items if item.snapshot_id}
    # a shopper who pays at once may be quicker than the mockups: the email waits a little for
    # them (the event retried), then goes without the ones still missing
    waited = (datetime.now(UTC) - event.occurred_at).total_seconds()
    if any(m.pending for m in mockups.values()) and waited < deps.settings.proof_wait:
        raise ProofsNotDrawn(f"order {order.id}: its proofs are still being drawn")
    items = []
    for item in order.items:
        key = mockups[item.snapshot_id].key if item.snapshot_id else None
        items.append(content.Proof(
            title=item.title, quantity=item.quantity,
            total=domain.format_money(item.total_minor, item.currency, locale),
            image_url=deps.asset_url(key) if key else None,
            personalized=item.snapshot_id is not None))
    data = content.Confirmation(
        order_name=order.name or order.external_id, items=items,
        total=domain.format_money(order.total_minor, order.currency, locale))
    await _queue(uow, deps, brand_id, brand, EmailTemplate.ORDER_CONFIRMATION, event, order.email,
                 locale, data, order_id=order.id)


async def on_order_shipped(uow: Uow, deps: Deps, brand_id: str, event: Envelope[OrderShipped]
                           ) -> None:
    """The tracking link to the shopper, of an order Atelier confirmed (one with personalized
    lines: an order of plain products only is the shop's to tell about)."""
    order = await deps.lookups.order(brand_id, event.data.order_id)
    if order is None or not order.email:
        log.info("no shipping email for order %s: no address", event.data.order_id)
        return
    if all(item.status is ItemStatus.PLAIN for item in order.items):
        log.info("no shipping email for order %s: nothing personalized", order.id)
        return
    brand = await brand_settings(uow, deps.settings, brand_id)
    shipped = event.data
    data = content.Shipped(order_name=order.name or order.external_id,
                           tracking_company=shipped.tracking_company,
                           tracking_number=shipped.tracking_number,
                           tracking_url=shipped.tracking_url)
    await _queue(uow, deps, brand_id, brand, EmailTemplate.ORDER_SHIPPED, event, order.email,
                 domain.choose_locale(order.locale, brand.default_locale), data,
                 order_id=order.id)


async def on_bundle_failed(uow: Uow, deps: Deps, brand_id: str, event: Envelope[BundleFailed]
                           ) -> None:
    """The reason and a link to retry, to the brand's operations address."""
    brand = await brand_settings(uow, deps.settings, brand_id)
    if brand.operations_address is None:
        log.info("production of %s failed; the brand has no operations address to tell",
                 event.data.work_order_id)
        return
    failed = event.data
    order = await deps.lookups.order(brand_id, failed.order_id) if failed.order_id else None
    item = next((i for i in order.items if i.id == failed.item_id), None) if order else None
    data = content.ProductionError(
        order_name=(order.name or order.external_id) if order else "—",
        item_title=item.title if item else f"snapshot {failed.snapshot_id}",
        reason=failed.reason[:2000],
        retry_url=f"{deps.settings.public_url}/v1/manufacturing/work-orders/"
                  f"{quote(failed.work_order_id, safe='')}/export")
    await _queue(uow, deps, brand_id, brand, EmailTemplate.PRODUCTION_ERROR, event,
                 brand.operations_address, brand.default_locale, data)


async def on_render_completed(uow: Uow, deps: Deps, brand_id: str,
                              event: Envelope[RenderCompleted]) -> None:
    """A snapshot's mockup is drawn: to the operations address, when the brand asked for it
    (off by default; optional, so it has an unsubscribe link)."""
    render = event.data
    if render.kind != "mockup" or render.snapshot_id is None:
        return
    brand = await brand_settings(uow, deps.settings, brand_id)
    if not brand.render_ready or brand.operations_address is None:
        return
    data = content.RenderReady(snapshot_id=render.snapshot_id, view=render.view or "—",
                               image_url=deps.asset_url(render.object_key))
    await _queue(uow, deps, brand_id, brand, EmailTemplate.RENDER_READY, event,
                 brand.operations_address, brand.default_locale, data)


async def _queue(uow: Uow, deps: Deps, brand_id: str, brand: EmailSettings, template: EmailTemplate,
                 event: Envelope, recipient: str, locale: str, data: content.Data,
                 order_id: str | None = None) -> None:
    """Decide the email once: rendered whole and logged under (event, template, recipient) in
    the event's transaction, for the sender to hand over after the commit; an address on the
    suppression list is logged as such and sent nothing. ``order_id``: the order whose shopper
    it goes to (erased with the order's personal data)."""
    settings = deps.settings
    listed = await uow.repository.suppression(brand_id, recipient.lower())
    suppressed = domain.suppresses(SuppressionReason(listed) if listed else None, template)
    sender = brand.sender_address
    if not domain.sender_allowed(sender, settings.sender_domains):
        sender = settings.default_sender_address  # the platform stopped sending for it
    unsubscribe = unsubscribe_url(settings, brand_id, recipient) \
        if template in domain.OPTIONAL else None
    rendered = emails.render(template, locale, brand, data, unsubscribe)
    message_id = domain.message_id(event.id, template.value, recipient, domain.domain_of(sender))
    raw = None if suppressed else emails.mime(
        rendered, sender_name=brand.sender_name, sender_address=sender, recipient=recipient,
        reply_to=brand.reply_to, message_id=message_id, date=datetime.now(UTC),
        unsubscribe_url=unsubscribe)
    added = await uow.repository.add_message(
        id=new_id(), brand_id=brand_id, event_id=event.id, template=template.value,
        recipient=recipient, order_id=order_id, locale=locale, subject=rendered.subject,
        message_id=message_id, mime=raw, delivery=domain.DELIVERY[template],
        status="suppressed" if suppressed else "pending", attempts=0,
        last_error=f"suppressed: {listed}" if suppressed else None,
        correlation_id=event.correlation_id)
    if added and not suppressed:
        uow.after_commit(deps.wake)
    log.info("%s to %s: %s", template.value, domain.redact(recipient),
             "suppressed" if suppressed else "queued" if added else "decided before")


async def on_personal_data_erased(uow: Uow, brand_id: str, event: Envelope[PersonalDataErased]
                                  ) -> None:
    """A shop's privacy request: the shopper's address and each email's body erased from the
    sent log (the rows stay: what was sent and when)."""
    erased = event.data
    count = await uow.repository.erase(None if erased.every_order else erased.order_ids)
    log.info("personal data erased from %d email(s) (%s)", count,
             "every order" if erased.every_order else f"{len(erased.order_ids)} order(s)")


def unsubscribe_url(settings: NotificationSettings, brand_id: str, recipient: str) -> str:
    token = domain.unsubscribe_token(settings.unsubscribe_secret.get_secret_value(), brand_id,
                                     recipient)
    return f"{settings.public_url}/v1/email/unsubscribe?token={token}"


# --- the brand's settings, previews, suppression list ---------------------------------------------
async def brand_settings(uow: Uow, settings: NotificationSettings, brand_id: str
                         ) -> EmailSettings:
    """The brand's settings, or the platform's defaults for a brand that set none."""
    stored = await uow.repository.settings(brand_id)
    if stored is not None:
        return EmailSettings.model_validate(stored)
    return EmailSettings(sender_name=settings.default_sender_name,
                         sender_address=settings.default_sender_address)


async def set_settings(uow: Uow, settings: NotificationSettings, brand_id: str,
                       new: EmailSettings) -> EmailSettings:
    if not domain.sender_allowed(new.sender_address, settings.sender_domains):
        raise Invalid("The sender's domain is not one this platform sends for.", [ErrorItem(
            field="sender_address", code=ErrorCode.SENDER_DOMAIN_NOT_ALLOWED,
            message=f"Use an address at {', '.join(settings.sender_domains)} (the domains whose "
                    "SPF and DKIM are set up for the platform), or ask for your domain to be "
                    "added.")])
    unknown = sorted({key for texts in new.texts.values() for key in texts}
                     - set(emails.builtin_texts()["en"]))
    if unknown:
        raise Invalid("Some texts are of no template.", [ErrorItem(
            field="texts", code=ErrorCode.INVALID_FIELD,
            message=f"Unknown keys: {', '.join(unknown)}. The keys are those of the built-in "
                    "texts (see a preview).")])
    await uow.repository.put_settings(brand_id, new.model_dump(mode="json"))
    return new


async def preview(uow: Uow, settings: NotificationSettings, brand_id: str,
                  asked: PreviewTemplate) -> Preview:
    """``template`` with sample data, in the brand's look and words."""
    async with uow:
        brand = await brand_settings(uow, settings, brand_id)
    locale = domain.choose_locale(asked.locale, brand.default_locale)
    data = content.sample(asked.template, settings.public_url,
                          domain.format_money(6990, "EUR", locale),
                          domain.format_money(3200, "EUR", locale))
    unsubscribe = f"{settings.public_url}/v1/email/unsubscribe?token=sample" \
        if asked.template in domain.OPTIONAL else None
    rendered = emails.render(asked.template, locale, brand, data, unsubscribe)
    return Preview(template=asked.template, locale=locale, subject=rendered.subject,
                   html=rendered.html, text=rendered.text)


def _suppression(row: SuppressionRow) -> Suppression:
    return Suppression(address=row.address, reason=SuppressionReason(row.reason),
                       created_at=row.created_at or datetime.now(UTC))


async def suppressions(uow: Uow, brand_id: str) -> SuppressionList:
    async with uow:
        rows = await uow.repository.suppressions(brand_id)
        return SuppressionList(suppressions=[_suppression(r) for r in rows])


async def suppress(uow: Uow, brand_id: str, asked: Suppress) -> Suppression:
    row = await uow.repository.suppress(brand_id, asked.address.lower(), asked.reason.value)
    log.info("%s suppressed (%s)", domain.redact(asked.address), row.reason)
    return _suppression(row)


async def unsuppress(uow: Uow, brand_id: str, address: str) -> SuppressionList:
    """The address off the list; the list after."""
    await uow.repository.unsuppress(brand_id, address.lower())
    rows = await uow.repository.suppressions(brand_id)
    return SuppressionList(suppressions=[_suppression(r) for r in rows])


async def unsubscribe(units: Callable[[str], Uow], settings: NotificationSettings,
                      asked: Unsubscribe) -> Unsubscribed:
    """The link of an optional email (or its List-Unsubscribe-Post): the address gets no more
    optional email from the brand (a bounce stays a bounce)."""
    claims = domain.read_unsubscribe_token(settings.unsubscribe_secret.get_secret_value(),
                                           asked.token)
    if claims is None:
        raise Invalid("This unsubscribe link is not valid.", [ErrorItem(
            field="token", code=ErrorCode.UNSUBSCRIBE_LINK_INVALID,
            message="Use the link exactly as it is in the email.")])
    brand_id, address = claims
    async with units(brand_id) as uow:
        await uow.repository.suppress(brand_id, address, SuppressionReason.UNSUBSCRIBED.value)
        await uow.commit()
    log.info("%s unsubscribed", domain.redact(address))
    return Unsubscribed()
