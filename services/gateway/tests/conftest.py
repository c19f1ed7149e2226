"""Fixtures of the gateway tests: the real app on the real Postgres and NATS, with the services
behind it played by fake rpc responders on the same bus namespace."""

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from faststream.nats import NatsBroker
from litestar.testing import AsyncTestClient

from atelier.contracts import Envelope, ErrorCode, ErrorItem, new_id
from atelier.contracts.catalog import (
    CREATE_PRODUCT,
    CREATE_SNAPSHOT,
    CREATE_SPEC,
    GET_PREVIEW,
    GET_PRODUCT_CONFIG,
    GET_SNAPSHOT,
    VALIDATE_DESIGN,
    Message,
)
from atelier.contracts.personalization import (
    CreateProduct,
    FontInfo,
    GetProductConfig,
    Product,
    ValidateDesign,
    ValidationResult,
    WidgetConfig,
    ZoneResult,
)
from atelier.contracts.render import GetPreview, PreviewStatus
from atelier.contracts.snapshot import CreateSnapshot, GetSnapshot, SnapshotStatus, SnapshotView
from atelier.contracts.spec import CreateSpec, DesignSpec, SpecCreatedReply, SpecZone
from atelier.gateway.app import create_app
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import Bus, brand_of, create_broker
from atelier.kit.db import asyncpg_dsn
from atelier.kit.errors import NotFound
from atelier.kit.telemetry import Metrics

PLATFORM_TOKEN = "operator-token-for-tests"
SHOP = "https://shop.example"


class FakeServices:
    """Personalization, spec, snapshot and render as the gateway sees them: rpc answers.

    Every request is recorded with the brand it was made for, so tests can check which brand the
    gateway put on the bus and that refused requests reached nobody."""

    def __init__(self) -> None:
        self.products: dict[tuple[str, str], Product] = {}
        self.snapshots: dict[tuple[str, str], SnapshotView] = {}
        self.previews: dict[str, PreviewStatus] = {}
        self.calls: list[tuple[str, str | None]] = []

    def register(self, bus: Bus) -> None:
        for message, handle in (
            (CREATE_PRODUCT, self.create_product),
            (GET_PRODUCT_CONFIG, self.config),
            (VALIDATE_DESIGN, self.validate),
            (CREATE_SPEC, self.create_spec),
            (CREATE_SNAPSHOT, self.create_snapshot),
            (GET_SNAPSHOT, self.get_snapshot),
            (GET_PREVIEW, self.get_preview),
        ):
            bus.serve(message, self._recorded(message, handle))

    def _recorded(self, message: Message, handle: Callable[..., Any]) -> Callable[..., Any]:
        async def recorded(envelope: Envelope) -> Any:
            self.calls.append((message.subject, envelope.brand_id))
            return await handle(brand_of(envelope), envelope.data)

        return recorded

    def count(self, message: Message) -> int:
        return sum(1 for subject, _ in self.calls if subject == message.subject)

    def _product(self, brand: str, product_id: str) -> Product:
        try:
            return self.products[(brand, product_id)]
        except KeyError:
            raise NotFound.of("product", "product_id") from None

    async def create_product(self, brand: str, data: CreateProduct) -> Product:
        product = Product(id=new_id(), name=data.name, template_version=1, zones=data.zones)
        self.products[(brand, product.id)] = product
        return product

    async def config(self, brand: str, data: GetProductConfig) -> WidgetConfig:
        product = self._product(brand, data.product_id)
        font = FontInfo(id="dejavu-sans", family="DejaVu Sans", url="/v1/fonts/dejavu-sans")
        return WidgetConfig(product_id=product.id, name=product.name,
                            template_version=product.template_version, zones=product.zones,
                            fonts=[font])

    async def validate(self, brand: str, data: ValidateDesign) -> ValidationResult:
        product = self._product(brand, data.product_id)
        zones = []
        for zone in product.zones:
            value = data.values.get(zone.key, "")
            errors = []
            if zone.required and not value:
                errors.append(ErrorItem(field=zone.key, code=ErrorCode.REQUIRED,
                                        message="Enter a text."))
            if len(value) > zone.max_length:
                errors.append(ErrorItem(field=zone.key, code=ErrorCode.TOO_LONG,
                                        message=f"At most {zone.max_length} characters.",
                                        position=zone.max_length))
            zones.append(ZoneResult(zone=zone.key, value=value, length=len(value), errors=errors))
        unknown = [ErrorItem(field=key, code=ErrorCode.UNKNOWN_ZONE, message="No such zone.")
                   for key in data.values if key not in {z.key for z in product.zones}]
        valid = not unknown and not any(z.errors for z in zones)
        design = DesignSpec(
            product_id=product.id,
            template_version=product.template_version,
            zones=[SpecZone(key=z.key, text=data.values.get(z.key, ""), width_mm=z.width_mm,
                            height_mm=z.height_mm, font=z.font, colour=z.colour)
                   for z in product.zones],
        ) if valid else None
        return ValidationResult(valid=valid, zones=zones, errors=unknown, design=design)

    async def create_spec(self, brand: str, data: CreateSpec) -> SpecCreatedReply:
        canonical = data.spec.model_dump_json()
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return SpecCreatedReply(spec_hash=digest, canonical_json=canonical, created=True)

    async def create_snapshot(self, brand: str, data: CreateSnapshot) -> SnapshotView:
        view = SnapshotView(id=new_id(), product_id=data.spec.product_id, spec_hash=data.spec_hash,
                            template_version=data.spec.template_version,
                            status=SnapshotStatus.CREATED, created_at=datetime.now(UTC))
        self.snapshots[(brand, view.id)] = view
        return view

    async def get_snapshot(self, brand: str, data: GetSnapshot) -> SnapshotView:
        try:
            return self.snapshots[(brand, data.snapshot_id)]
        except KeyError:
            raise NotFound.of("snapshot", "snapshot_id") from None

    async def get_preview(self, brand: str, data: GetPreview) -> PreviewStatus:
        try:
            return self.previews[data.spec_hash]
        except KeyError:
            raise NotFound.of("preview", "spec_hash") from None


@dataclass(frozen=True)
class Brand:
    id: str
    publishable: str
    secret: str

    @property
    def widget(self) -> dict[str, str]:
        return {"X-Atelier-Key": self.publishable}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings]) -> GatewaySettings:
    return settings_of("gateway", platform_token=PLATFORM_TOKEN)


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
async def client(
    settings: GatewaySettings, services: FakeServices
) -> AsyncIterator[AsyncTestClient]:
    """The app with the fake services answering on the bus.

    AsyncTestClient runs the app on an event loop of its own, in a thread, and blocks the test's
    loop during each request; so the fakes run on the app's loop, where they can answer."""
    metrics = Metrics("fake-services")
    broker = create_broker(settings, metrics)
    services.register(Bus(broker, settings, metrics))
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.blocking_portal.call(start_broker, broker)
        try:
            yield client
        finally:
            client.blocking_portal.call(broker.stop)


async def start_broker(broker: NatsBroker) -> None:
    await broker.start()
    await broker.connection.flush()  # the subscriptions are live before the first request


async def make_brand(client: AsyncTestClient, origins: tuple[str, ...] = (SHOP,)) -> Brand:
    response = await client.post(
        "/v1/platform/brands",
        json={"name": "Maison Test", "allowed_origins": list(origins)},
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Brand(body["id"], body["publishable_key"], body["secret_key"])


@pytest.fixture
async def brand(client: AsyncTestClient) -> Brand:
    return await make_brand(client)


async def make_product(client: AsyncTestClient, brand: Brand) -> str:
    zone = {"key": "name", "label": "Name", "width_mm": 60, "height_mm": 12, "max_length": 5}
    response = await client.post(
        "/v1/admin/products", json={"name": "Bracelet", "zones": [zone]}, headers=brand.admin
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
async def product(client: AsyncTestClient, brand: Brand) -> str:
    return await make_product(client, brand)


@pytest.fixture
async def db(settings: GatewaySettings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        yield conn
    finally:
        await conn.close()
