"""Every subject of the bus, who owns it, and the streams that hold them.

Three kinds of subject, never mixed (DESIGN §4): ``rpc.<service>.<method>`` (core request/reply,
never captured by a stream), ``evt.<owner>.<entity>.<event>`` (facts, stream ``EVT_<OWNER>``) and
``job.<owner>.<kind>`` (work queues, stream ``JOB_<OWNER>``). ``dlq.<service>`` holds messages that
exhausted their deliveries, in stream ``DLQ``.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from atelier.contracts import (
    analytics,
    commerce,
    ingress,
    manufacturing,
    notification,
    personalization,
    render,
    snapshot,
    spec,
)
from atelier.contracts.envelope import Envelope

Kind = Literal["rpc", "evt", "job"]


@dataclass(frozen=True)
class Message:
    subject: str
    model: type[BaseModel]
    kind: Kind
    owner: str
    reply: type[BaseModel] | None = None
    version: int = 1
    mutates: bool = False  # an rpc command: it carries a request key, its answer is replayed

    @property
    def type(self) -> str:
        """``snapshot.created`` for ``evt.snapshot.snapshot.created``; the subject for rpc/job."""
        parts = self.subject.split(".")
        return ".".join(parts[2:]) if self.kind == "evt" else ".".join(parts[1:])


@cache
def envelope_model(message: Message) -> type[Envelope]:
    """The envelope ``message`` travels in: its model's data under exactly its type and version,
    so that the published schema (``proto-schemas/``) states what a reader enforces.
    ``RpcPersonalizationValidate`` for ``rpc.personalization.validate``."""
    name = "".join(part.capitalize() for part in re.split(r"[._]", message.subject))
    exact_type: Any = Literal[message.type]  # a Literal of a value known only here
    exact_version: Any = Literal[message.version]
    return create_model(
        name,
        __base__=Envelope[message.model],  # type: ignore[name-defined]
        type=(exact_type, Field(description="the message's type")),
        version=(exact_version, Field(default=message.version)),
    )


@dataclass(frozen=True)
class Stream:
    name: str
    owner: str
    subjects: tuple[str, ...]
    work_queue: bool = False
    duplicate_window_s: float = 120.0


def evt(owner: str, entity: str, event: str, model: type[BaseModel]) -> Message:
    return Message(f"evt.{owner}.{entity}.{event}", model, "evt", owner)


def job(owner: str, kind: str, model: type[BaseModel]) -> Message:
    return Message(f"job.{owner}.{kind}", model, "job", owner)


def rpc(owner: str, method: str, model: type[BaseModel], reply: type[BaseModel]) -> Message:
    """A query: it changes nothing, so it may be asked again freely."""
    return Message(f"rpc.{owner}.{method}", model, "rpc", owner, reply=reply)


def command(owner: str, method: str, model: type[BaseModel], reply: type[BaseModel]) -> Message:
    """A mutating rpc: sent with a request key, whose first answer every retry gets again."""
    return Message(f"rpc.{owner}.{method}", model, "rpc", owner, reply=reply, mutates=True)


# --- personalization ---------------------------------------------------------------------------
CREATE_PRODUCT = command(
    "personalization", "create_product", personalization.CreateProduct, personalization.Product
)
GET_PRODUCT_CONFIG = rpc(
    "personalization", "get_config", personalization.GetProductConfig, personalization.WidgetConfig
)
VALIDATE_DESIGN = rpc(
    "personalization", "validate", personalization.ValidateDesign, personalization.ValidationResult
)
NORMALIZE_DESIGN = rpc(
    "personalization", "normalize", personalization.ValidateDesign, personalization.ValidationResult
)
AUTOFIT_DESIGN = rpc(
    "personalization", "autofit", personalization.ValidateDesign, personalization.ValidationResult
)
PUBLISH_TEMPLATE = command(
    "personalization", "publish_template", personalization.PublishTemplate, personalization.Product
)
GET_PRODUCT = rpc("personalization", "get_product", personalization.GetProduct,
                  personalization.Product)
REGISTER_FONT = command(
    "personalization", "register_font", personalization.RegisterFont, personalization.FontInfo
)
LIST_FONTS = rpc("personalization", "list_fonts", personalization.ListFonts,
                 personalization.FontList)
SET_VIEW_PHOTO = command(
    "personalization", "set_view_photo", personalization.SetViewPhoto, personalization.Product
)
SET_PRODUCT_MODEL = command(
    "personalization", "set_product_model", personalization.SetProductModel,
    personalization.Product,
)
SET_WORD_LIST = command(
    "personalization", "set_word_list", personalization.WordList, personalization.WordList
)
GET_WORD_LIST = rpc(
    "personalization", "get_word_list", personalization.GetWordList, personalization.WordList
)
CHECK_WORDS = rpc(
    "personalization", "check_words", personalization.CheckWords, personalization.WordCheck
)
TEMPLATE_PUBLISHED = evt(
    "personalization", "template", "published", personalization.TemplatePublished
)
# the widget's analytics: batches the gateway accepted, stored and counted by personalization
WIDGET_EVENTS_RECEIVED = evt("gateway", "widget_events", "received",
                             analytics.WidgetEventsReceived)
FUNNEL = rpc("personalization", "funnel", analytics.GetFunnel, analytics.Funnel)
# --- spec ----------------------------------------------------------------------------------------
CREATE_SPEC = command("spec", "create", spec.CreateSpec, spec.SpecCreatedReply)
SPEC_CREATED = evt("spec", "spec", "created", spec.SpecCreated)
GET_SPEC = rpc("spec", "get", spec.GetSpec, spec.StoredSpec)
VALIDATE_SPEC = rpc("spec", "validate", spec.ValidateSpec, spec.SpecValidation)
# --- snapshot ------------------------------------------------------------------------------------
CREATE_SNAPSHOT = command("snapshot", "create", snapshot.CreateSnapshot, snapshot.SnapshotView)
GET_SNAPSHOT = rpc("snapshot", "get", snapshot.GetSnapshot, snapshot.SnapshotView)
VALIDATE_SNAPSHOT = command(
    "snapshot", "validate", snapshot.ValidateSnapshot, snapshot.SnapshotView
)
LOCK_SNAPSHOT = command("snapshot", "lock", snapshot.LockSnapshot, snapshot.SnapshotView)
SNAPSHOT_CREATED = evt("snapshot", "snapshot", "created", snapshot.SnapshotCreated)
SNAPSHOT_VALIDATED = evt("snapshot", "snapshot", "validated", snapshot.SnapshotValidated)
SNAPSHOT_LOCKED = evt("snapshot", "snapshot", "locked", snapshot.SnapshotLocked)
# --- render --------------------------------------------------------------------------------------
RENDER_PREVIEW = job("render", "preview", render.RenderPreview)  # version 1: drained, not sent
RENDER_MOCKUP = job("render", "mockup", render.RenderJob)
RENDER_THUMBNAIL = job("render", "thumbnail", render.RenderJob)
RENDER_ZONE = job("render", "zone", render.RenderJob)
RENDER_GLB = job("render", "glb", render.RenderJob)
RENDER_USDZ = job("render", "usdz", render.RenderJob)
RENDER_JOBS: dict[render.RenderKind, Message] = {
    render.RenderKind.MOCKUP: RENDER_MOCKUP,
    render.RenderKind.THUMBNAIL: RENDER_THUMBNAIL,
    render.RenderKind.ZONE: RENDER_ZONE,
    render.RenderKind.GLB: RENDER_GLB,
    render.RenderKind.USDZ: RENDER_USDZ,
}
RENDER_COMPLETED = evt("render", "render", "completed", render.RenderCompleted)
RENDER_FAILED = evt("render", "render", "failed", render.RenderFailed)
REQUEST_RENDER = command("render", "request", render.RequestRender, render.RenderState)
GET_RENDER = rpc("render", "get", render.GetRender, render.RenderState)
# --- manufacturing -------------------------------------------------------------------------------
EXPORT_PACK = command("manufacturing", "export_pack", manufacturing.ExportPack,
                      manufacturing.WorkOrderView)
REGENERATE_WORK_ORDER = command("manufacturing", "regenerate", manufacturing.RegenerateWorkOrder,
                                manufacturing.WorkOrderView)
GET_WORK_ORDER = rpc("manufacturing", "get_work_order", manufacturing.GetWorkOrder,
                     manufacturing.WorkOrderView)
SET_PROFILE = command("manufacturing", "set_profile", manufacturing.OutputProfile,
                      manufacturing.OutputProfile)
SET_PRODUCT_PROFILE = command("manufacturing", "set_product_profile",
                              manufacturing.SetProductProfile, manufacturing.ProductProfile)
LIST_PROFILES = rpc("manufacturing", "list_profiles", manufacturing.ListProfiles,
                    manufacturing.ProfileList)
MANUFACTURING_EXPORT = job("manufacturing", "export", manufacturing.ExportJob)
BUNDLE_READY = evt("manufacturing", "bundle", "ready", manufacturing.BundleReady)
BUNDLE_FAILED = evt("manufacturing", "bundle", "failed", manufacturing.BundleFailed)
GET_BUNDLES = rpc("manufacturing", "get_bundles", manufacturing.GetBundles,
                  manufacturing.BundleList)

# --- ingress -------------------------------------------------------------------------------------
CONNECT_SHOPIFY = command("ingress", "connect_shopify", ingress.ConnectShopify,
                          ingress.ShopifyConnection)
WEBHOOK_RECEIVED = evt("ingress", "webhook", "received", ingress.WebhookReceived)
# --- commerce ------------------------------------------------------------------------------------
GET_ORDER = rpc("commerce", "get_order", commerce.GetOrder, commerce.Order)
LIST_ORDERS = rpc("commerce", "list_orders", commerce.ListOrders, commerce.OrderList)
RELEASE_ITEM = command("commerce", "release_item", commerce.ReleaseItem, commerce.Order)
MAP_PRODUCT = command("commerce", "map_product", commerce.MapProduct, commerce.ProductMapping)
SET_PRICE = command("commerce", "set_price", commerce.SetPrice, commerce.Price)
GET_PRICE = rpc("commerce", "get_price", commerce.GetPrice, commerce.Price)
CREATE_PAYMENT_INTENT = command("commerce", "create_payment_intent",
                                commerce.CreatePaymentIntent, commerce.PaymentIntentView)
PAYMENT_INTENT_CREATED = evt("commerce", "payment", "intent_created",
                             commerce.PaymentIntentCreated)
ORDER_PAID = evt("commerce", "order", "paid", commerce.OrderPaid)
ITEM_RELEASED = evt("commerce", "order", "item_released", commerce.ItemReleased)
MARK_SHIPPED = command("commerce", "mark_shipped", commerce.MarkShipped, commerce.Order)
ORDER_SHIPPED = evt("commerce", "order", "shipped", commerce.OrderShipped)
PERSONAL_DATA_ERASED = evt("commerce", "personal_data", "erased", commerce.PersonalDataErased)
# --- notification --------------------------------------------------------------------------------
GET_EMAIL_SETTINGS = rpc("notification", "get_settings", notification.GetEmailSettings,
                         notification.EmailSettings)
SET_EMAIL_SETTINGS = command("notification", "set_settings", notification.EmailSettings,
                             notification.EmailSettings)
PREVIEW_EMAIL = rpc("notification", "preview", notification.PreviewTemplate,
                    notification.Preview)
LIST_SUPPRESSIONS = rpc("notification", "list_suppressions", notification.ListSuppressions,
                        notification.SuppressionList)
SUPPRESS = command("notification", "suppress", notification.Suppress, notification.Suppression)
UNSUPPRESS = command("notification", "unsuppress", notification.Unsuppress,
                     notification.SuppressionList)
# a query by kind, though it writes: an unsubscribe repeated is the same unsubscribe, and the
# public link that sends it has no brand of its own (the signed token names it)
UNSUBSCRIBE = rpc("notification", "unsubscribe", notification.Unsubscribe,
                  notification.Unsubscribed)

MESSAGES: tuple[Message, ...] = (
    CREATE_PRODUCT,
    GET_PRODUCT_CONFIG,
    VALIDATE_DESIGN,
    NORMALIZE_DESIGN,
    AUTOFIT_DESIGN,
    PUBLISH_TEMPLATE,
    GET_PRODUCT,
    REGISTER_FONT,
    LIST_FONTS,
    SET_VIEW_PHOTO,
    SET_PRODUCT_MODEL,
    SET_WORD_LIST,
    GET_WORD_LIST,
    CHECK_WORDS,
    TEMPLATE_PUBLISHED,
    WIDGET_EVENTS_RECEIVED,
    FUNNEL,
    CREATE_SPEC,
    SPEC_CREATED,
    GET_SPEC,
    VALIDATE_SPEC,
    CREATE_SNAPSHOT,
    GET_SNAPSHOT,
    VALIDATE_SNAPSHOT,
    LOCK_SNAPSHOT,
    SNAPSHOT_CREATED,
    SNAPSHOT_VALIDATED,
    SNAPSHOT_LOCKED,
    RENDER_PREVIEW,
    RENDER_MOCKUP,
    RENDER_THUMBNAIL,
    RENDER_ZONE,
    RENDER_GLB,
    RENDER_USDZ,
    RENDER_COMPLETED,
    RENDER_FAILED,
    REQUEST_RENDER,
    GET_RENDER,
    CONNECT_SHOPIFY,
    WEBHOOK_RECEIVED,
    GET_ORDER,
    LIST_ORDERS,
    RELEASE_ITEM,
    MAP_PRODUCT,
    SET_PRICE,
    GET_PRICE,
    CREATE_PAYMENT_INTENT,
    PAYMENT_INTENT_CREATED,
    ORDER_PAID,
    ITEM_RELEASED,
    MARK_SHIPPED,
    ORDER_SHIPPED,
    PERSONAL_DATA_ERASED,
    GET_EMAIL_SETTINGS,
    SET_EMAIL_SETTINGS,
    PREVIEW_EMAIL,
    LIST_SUPPRESSIONS,
    SUPPRESS,
    UNSUPPRESS,
    UNSUBSCRIBE,
    EXPORT_PACK,
    REGENERATE_WORK_ORDER,
    GET_WORK_ORDER,
    GET_BUNDLES,
    SET_PROFILE,
    SET_PRODUCT_PROFILE,
    LIST_PROFILES,
    MANUFACTURING_EXPORT,
    BUNDLE_READY,
    BUNDLE_FAILED,
)

# Who calls which rpc subjects. A caller's NATS user may publish on these and on no other rpc
# subject (atelier.devstack.nats_config derives every user's permissions from this catalog).
CALLS: dict[str, tuple[Message, ...]] = {
    # the shopper's and the brands' synchronous path (DESIGN §4)
    "gateway": tuple(m for m in MESSAGES if m.kind == "rpc"),
    # an order's personalized items: their snapshots checked and locked when it is paid, and
    # their specs read for the zones a price's surcharges count
    "commerce": (GET_SNAPSHOT, LOCK_SNAPSHOT, GET_SPEC),
    # a snapshot's state and its spec, when an export is asked for (the snapshot service owns
    # both; the spec service keeps the spec)
    "manufacturing": (GET_SNAPSHOT, GET_SPEC),
    # an email's order (the shopper's address and language: events carry no personal data) and
    # the mockups of its items, as proofs
    "notification": (GET_ORDER, GET_SNAPSHOT, GET_RENDER),
}

# Who listens to which events without a durable consumer: a core NATS subscription per process,
# so that every replica sees every event (the gateway pushes render outcomes to the widget's
# server-sent events). A listener's NATS user may subscribe to these.
LISTENS: dict[str, tuple[Message, ...]] = {
    "gateway": (RENDER_COMPLETED, RENDER_FAILED),
}

SERVICES = (
    "gateway",
    "ingress",
    "personalization",
    "spec",
    "snapshot",
    "render",
    "manufacturing",
    "commerce",
    "notification",
)

STREAMS: tuple[Stream, ...] = (
    *(Stream(f"EVT_{owner.upper()}", owner, (f"evt.{owner}.>",)) for owner in SERVICES),
    *(Stream(f"DLQ_{owner.upper()}", owner, (f"dlq.{owner}",)) for owner in SERVICES),
    Stream("JOB_RENDER", "render", ("job.render.>",), work_queue=True),
    Stream("JOB_MANUFACTURING", "manufacturing", ("job.manufacturing.>",), work_queue=True),
)


def owned_streams(service: str) -> tuple[Stream, ...]:
    """The streams a service declares (at setup, before any consumer binds to them)."""
    return tuple(s for s in STREAMS if s.owner == service)


def stream_for(subject: str) -> Stream:
    for stream in STREAMS:
        if any(_captures(pattern, subject) for pattern in stream.subjects):
            return stream
    raise LookupError(f"no stream captures {subject!r} (rpc subjects are never captured)")


def _captures(pattern: str, subject: str) -> bool:
    if pattern.endswith(".>"):
        return subject.startswith(pattern[:-1])
    return subject == pattern


def dlq_subject(service: str) -> str:
    return f"dlq.{service}"


def listens(service: str) -> tuple[Message, ...]:
    """The events ``service`` listens to on core NATS (none unless it is in ``LISTENS``)."""
    return LISTENS.get(service, ())


def calls(service: str) -> tuple[Message, ...]:
    """The rpc messages ``service`` may request (none unless it is in ``CALLS``)."""
    return CALLS.get(service, ())
