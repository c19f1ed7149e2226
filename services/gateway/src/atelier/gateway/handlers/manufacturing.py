"""Production bundles: a snapshot's export queued, its work order read back with a short-lived
signed link to the bundle, made again; and the gateway's own signed downloads for a store that
has no signed URLs (the local directory)."""

import time
from datetime import UTC, datetime, timedelta

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.catalog import (
    EXPORT_PACK,
    GET_BUNDLES,
    GET_WORK_ORDER,
    LIST_PROFILES,
    REGENERATE_WORK_ORDER,
    SET_PRODUCT_PROFILE,
    SET_PROFILE,
)
from atelier.contracts.manufacturing import (
    BundleList,
    ExportPack,
    GetBundles,
    GetWorkOrder,
    ListProfiles,
    OutputProfile,
    ProductProfile,
    ProfileList,
    ProfileSettings,
    RegenerateWorkOrder,
    SetProductProfile,
    WorkOrderView,
)
from atelier.gateway import domain, schemas
from atelier.gateway.auth import Caller
from atelier.gateway.handlers.bus import call, command
from atelier.gateway.settings import GatewaySettings
from atelier.kit.errors import Forbidden, NotFound
from atelier.kit.runtime import Runtime
from atelier.kit.storage import ObjectNotFound


async def export_pack(runtime: Runtime, caller: Caller, request: ExportPack) -> schemas.WorkOrder:
    view: WorkOrderView = await call(runtime, caller, EXPORT_PACK, request)
    return schemas.WorkOrder(**dict(view))


async def regenerate(runtime: Runtime, caller: Caller, work_order_id: str) -> schemas.WorkOrder:
    view: WorkOrderView = await call(runtime, caller, REGENERATE_WORK_ORDER,
                                     RegenerateWorkOrder(work_order_id=work_order_id))
    return schemas.WorkOrder(**dict(view))


async def work_order(runtime: Runtime, caller: Caller, work_order_id: str) -> schemas.WorkOrder:
    view: WorkOrderView = await call(runtime, caller, GET_WORK_ORDER,
                                     GetWorkOrder(work_order_id=work_order_id))
    return await _with_download(runtime, view)


async def bundles(runtime: Runtime, caller: Caller, order_id: str) -> schemas.Bundles:
    """The production bundles of a shop order's items (an order the brand has: none else)."""
    found: BundleList = await call(runtime, caller, GET_BUNDLES, GetBundles(order_id=order_id))
    if not found.work_orders:
        raise NotFound.of("order's bundles", "order_id")
    return schemas.Bundles(order_id=order_id, work_orders=[
        await _with_download(runtime, view) for view in found.work_orders])


async def _with_download(runtime: Runtime, view: WorkOrderView) -> schemas.WorkOrder:
    """The work order, with a short-lived signed link to its bundle once it is ready."""
    order = schemas.WorkOrder(**dict(view))
    if view.object_key is None:
        return order
    settings = _settings(runtime)
    ttl = settings.download_ttl_s
    expires = int(time.time()) + ttl
    assert runtime.store is not None
    url = await runtime.store.signed_url(view.object_key, timedelta(seconds=ttl))
    if url is None:  # the local directory: the gateway signs and serves it
        url = domain.download_url(settings.download_secret.get_secret_value(), view.object_key,
                                  expires)
    return order.model_copy(update={"download_url": url,
                                    "download_expires_at": datetime.fromtimestamp(expires, UTC)})


async def download(runtime: Runtime, key: str, expires: int, signature: str) -> bytes:
    """A private object by the gateway's signed link; refused once altered or expired."""
    secret = _settings(runtime).download_secret.get_secret_value()
    try:
        domain.check_download(secret, key, expires, signature, time.time())
    except domain.DownloadRefused as refused:
        raise Forbidden(str(refused), [ErrorItem(
            field="signature" if refused.code == ErrorCode.DOWNLOAD_LINK_INVALID else "expires",
            code=ErrorCode(refused.code), message=str(refused))]) from None
    if runtime.store is None:
        raise NotFound.of("download", "key")
    try:
        return await runtime.store.get(key)
    except (ObjectNotFound, ValueError):
        raise NotFound.of("download", "key") from None


async def profiles(runtime: Runtime, caller: Caller) -> ProfileList:
    return await call(runtime, caller, LIST_PROFILES, ListProfiles())


async def set_profile(runtime: Runtime, caller: Caller, name: str,
                      settings: ProfileSettings) -> OutputProfile:
    profile = command(OutputProfile, name=name, **settings.model_dump())
    return await call(runtime, caller, SET_PROFILE, profile)


async def set_product_profile(runtime: Runtime, caller: Caller, product_id: str,
                              choice: schemas.ProductProfileChoice) -> ProductProfile:
    return await call(runtime, caller, SET_PRODUCT_PROFILE,
                      SetProductProfile(product_id=product_id, profile=choice.profile))


def _settings(runtime: Runtime) -> GatewaySettings:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    return settings
