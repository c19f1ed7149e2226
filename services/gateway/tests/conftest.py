"""Fixtures of the gateway tests: the real app on the real Postgres and NATS, with the services
behind it played by fake rpc responders on the same bus namespace."""

import hashlib
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from pydantic import ValidationError

from atelier.contracts import Envelope, ErrorCode, ErrorItem, new_id
from atelier.contracts.analytics import FUNNEL_STEPS, Funnel, FunnelStep, GetFunnel
from atelier.contracts.catalog import (
    AUTOFIT_DESIGN,
    CHECK_WORDS,
    CREATE_PRODUCT,
    CREATE_SNAPSHOT,
    CREATE_SPEC,
    EXPORT_PACK,
    FUNNEL,
    GET_PRODUCT,
    GET_PRODUCT_CONFIG,
    GET_RENDER,
    GET_SNAPSHOT,
    GET_SPEC,
    GET_WORD_LIST,
    GET_WORK_ORDER,
    LIST_FONTS,
    LOCK_SNAPSHOT,
    NORMALIZE_DESIGN,
    PUBLISH_TEMPLATE,
    REGENERATE_WORK_ORDER,
    REGISTER_FONT,
    REQUEST_RENDER,
    SET_PRODUCT_MODEL,
    SET_VIEW_PHOTO,
    SET_WORD_LIST,
    VALIDATE_DESIGN,
    VALIDATE_SNAPSHOT,
    VALIDATE_SPEC,
    Message,
)
from atelier.contracts.manufacturing import (
    ExportPack,
    GetWorkOrder,
    RegenerateWorkOrder,
    WorkOrderStatus,
    WorkOrderView,
)
from atelier.contracts.personalization import (
    CheckWords,
    CreateProduct,
    FontInfo,
    FontList,
    GetProduct,
    GetProductConfig,
    GetWordList,
    ListFonts,
    MatchKind,
    Product,
    PublishTemplate,
    RegisterFont,
    SetProductModel,
    SetViewPhoto,
    TextZone,
    ValidateDesign,
    ValidationResult,
    View,
    WidgetConfig,
    WidgetRules,
    WidgetWords,
    WordCheck,
    WordList,
    WordMatch,
    WordOutcome,
    ZoneInput,
    ZoneResult,
)
from atelier.contracts.render import (
    GetRender,
    RenderedAsset,
    RenderState,
    RenderStatus,
    RequestRender,
)
from atelier.contracts.snapshot import (
    CreateSnapshot,
    GetSnapshot,
    LockSnapshot,
    SnapshotStatus,
    SnapshotView,
    ValidateSnapshot,
)
from atelier.contracts.spec import (
    ANY_SPEC,
    CreateSpec,
    DesignSpec,
    FontRef,
    GetSpec,
    PlacedSpecZone,
    SpecCreatedReply,
    SpecValidation,
    SpecView,
    StoredSpec,
    ValidateSpec,
)
from atelier.gateway.app import create_app
from atelier.gateway.settings import GatewaySettings
from atelier.kit.broker import Bus, brand_of, create_broker
from atelier.kit.db import Database, asyncpg_dsn
from atelier.kit.errors import Conflict, Invalid, NotFound
from atelier.kit.outbox import UnitOfWork
from atelier.kit.runtime import no_repository
from atelier.kit.storage import LocalStore, ObjectStore
from atelier.kit.tables import kit_tables
from atelier.kit.telemetry import Metrics
from atelier.typeset.fonts import SHIPPED

PLATFORM_TOKEN = "operator-token-for-tests"
SHOP = "https://shop.example"
JSON = {"Content-Type": "application/json"}  # what httpx sends with json=, for raw bodies
FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true")  # TrueType and OpenType (CFF) files


def shipped_fonts() -> list[FontInfo]:
    return [FontInfo(id=font_id, family=font_id, url=f"/v1/fonts/{font_id}", sha256=font.sha256,
                     shipped=True) for font_id, font in SHIPPED.items()]


class FakeServices:
    """Personalization, spec, snapshot and render as the gateway sees them: rpc answers that
    follow the contracts, kept per brand.

    Every request is recorded with the brand it was made for, so tests can check which brand the
    gateway put on the bus and that refused requests reached nobody."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.products: dict[tuple[str, str], list[Product]] = {}  # every template version
        self.fonts: dict[str, list[FontInfo]] = {}
        self.word_lists: dict[str, WordList] = {}
        self.word_checks: list[WordCheck] = []
        self.specs: dict[tuple[str, str], StoredSpec] = {}
        self.snapshots: dict[tuple[str, str], SnapshotView] = {}
        self.created: list[CreateSnapshot] = []
        self.renders: dict[str, RenderState] = {}
        self.work_orders: dict[tuple[str, str], WorkOrderView] = {}
        self.calls: list[tuple[str, str | None]] = []
        self.funnels: list[GetFunnel] = []

    def register(self, bus: Bus) -> None:
        for message, handle in (
            (CREATE_PRODUCT, self.create_product),
            (GET_PRODUCT, self.get_product),
            (PUBLISH_TEMPLATE, self.publish_template),
            (SET_VIEW_PHOTO, self.set_view_photo),
            (SET_PRODUCT_MODEL, self.set_product_model),
            (REGISTER_FONT, self.register_font),
            (LIST_FONTS, self.list_fonts),
            (SET_WORD_LIST, self.set_word_list),
            (GET_WORD_LIST, self.get_word_list),
            (CHECK_WORDS, self.check_words),
            (GET_PRODUCT_CONFIG, self.config),
            (VALIDATE_DESIGN, self.validate),
            (NORMALIZE_DESIGN, self.normalize),
            (AUTOFIT_DESIGN, self.autofit),
            (CREATE_SPEC, self.create_spec),
            (GET_SPEC, self.get_spec),
            (VALIDATE_SPEC, self.validate_spec),
            (CREATE_SNAPSHOT, self.create_snapshot),
            (GET_SNAPSHOT, self.get_snapshot),
            (VALIDATE_SNAPSHOT, self.validate_snapshot),
            (LOCK_SNAPSHOT, self.lock_snapshot),
            (REQUEST_RENDER, self.request_render),
            (GET_RENDER, self.get_render),
            (EXPORT_PACK, self.export_pack),
            (GET_WORK_ORDER, self.get_work_order),
            (REGENERATE_WORK_ORDER, self.regenerate),
            (FUNNEL, self.funnel),
        ):
            if message.mutates:  # the kit's request keys on the fake too: a retry replays
                bus.serve_command(message, self._command(message, handle))
            else:
                bus.serve(message, self._recorded(message, handle))

    def _recorded(self, message: Message, handle: Callable[..., Any]) -> Callable[..., Any]:
        async def recorded(envelope: Envelope) -> Any:
            self.calls.append((message.subject, envelope.brand_id))
            return await handle(brand_of(envelope), envelope.data)

        return recorded

    def _command(self, message: Message, handle: Callable[..., Any]) -> Callable[..., Any]:
        recorded = self._recorded(message, handle)

        async def command(uow: UnitOfWork, envelope: Envelope) -> Any:
            return await recorded(envelope)

        return command

    def count(self, message: Message) -> int:
        return sum(1 for subject, _ in self.calls if subject == message.subject)

    # --- products and templates ---

    def _versions(self, brand: str, product_id: str) -> list[Product]:
        try:
            return self.products[(brand, product_id)]
        except KeyError:
            raise NotFound.of("product", "product_id") from None

    def _product(self, brand: str, product_id: str) -> Product:
        return self._versions(brand, product_id)[-1]

    async def create_product(self, brand: str, data: CreateProduct) -> Product:
        views = data.views or [View(key="front", label="Front", width_mm=100, height_mm=100)]
        product = Product(id=new_id(), name=data.name, template_version=1, views=views,
                          zones=data.zones, model=data.model)
        self.products[(brand, product.id)] = [product]
        return product

    async def get_product(self, brand: str, data: GetProduct) -> Product:
        versions = self._versions(brand, data.product_id)
        if data.version is None:
            return versions[-1]
        if not 1 <= data.version <= len(versions):
            raise NotFound.of("template", "version")
        return versions[data.version - 1]

    async def publish_template(self, brand: str, data: PublishTemplate) -> Product:
        versions = self._versions(brand, data.product_id)
        product = versions[-1].model_copy(
            update={"template_version": len(versions) + 1, "views": data.views,
                    "zones": data.zones, "model": data.model}
        )
        versions.append(product)
        return product

    async def set_view_photo(self, brand: str, data: SetViewPhoto) -> Product:
        versions = self._versions(brand, data.product_id)
        views = [v.model_copy(update={"photo": data.photo}) if v.key == data.view else v
                 for v in versions[-1].views]
        product = versions[-1].model_copy(
            update={"template_version": len(versions) + 1, "views": views})
        versions.append(product)
        return product

    async def set_product_model(self, brand: str, data: SetProductModel) -> Product:
        versions = self._versions(brand, data.product_id)
        if versions[-1].model == data.model:
            return versions[-1]
        product = versions[-1].model_copy(
            update={"template_version": len(versions) + 1, "model": data.model})
        versions.append(product)
        return product

    # --- fonts and word lists ---

    async def register_font(self, brand: str, data: RegisterFont) -> FontInfo:
        content = await self.store.get(data.object_key)  # as personalization reads it
        if not content.startswith(FONT_MAGIC):
            raise Invalid("This is not a font file.", [ErrorItem(
                field="file", code=ErrorCode.INVALID_FONT_FILE, message="Upload a TTF or OTF.")])
        digest = hashlib.sha256(content).hexdigest()
        font = FontInfo(id=new_id(), family=data.filename.rsplit(".", 1)[0],
                        url=f"/v1/assets/fonts/{digest}", sha256=digest, shipped=False)
        self.fonts.setdefault(brand, []).append(font)
        return font

    def _fonts(self, brand: str) -> list[FontInfo]:
        return shipped_fonts() + self.fonts.get(brand, [])

    async def list_fonts(self, brand: str, data: ListFonts) -> FontList:
        return FontList(fonts=self._fonts(brand))

    async def set_word_list(self, brand: str, data: WordList) -> WordList:
        self.word_lists[brand] = data
        return data

    async def get_word_list(self, brand: str, data: GetWordList) -> WordList:
        return self.word_lists.get(brand, WordList())

    async def check_words(self, brand: str, data: CheckWords) -> WordCheck:
        """Each word of the text that the brand blocks, whole."""
        blocked = {w.casefold() for w in self.word_lists.get(brand, WordList()).blocked}
        matches = [
            WordMatch(entry=word, source="brand", outcome=WordOutcome.BLOCK, kind=MatchKind.WORD,
                      position=data.text.find(word), matched=word, why=[])
            for word in data.text.split() if word.casefold() in blocked
        ]
        check = WordCheck(outcome=WordOutcome.BLOCK if matches else WordOutcome.ALLOW,
                          folded=data.text.casefold(), matches=matches)
        self.word_checks.append(check)
        return check

    # --- the widget ---

    async def config(self, brand: str, data: GetProductConfig) -> WidgetConfig:
        product = self._product(brand, data.product_id)
        return WidgetConfig(product_id=product.id, name=product.name,
                            template_version=product.template_version, views=product.views,
                            zones=product.zones, fonts=self._fonts(brand),
                            words=self._widget_words(brand),
                            rules=WidgetRules(rules_version="1", unicode_version="14.0.0",
                                              harfbuzz_version="15.0.0", autofit_step_mm=0.1,
                                              fit_tolerance_mm=1e-6, size_tolerance_mm=1e-9))

    def _widget_words(self, brand: str) -> WidgetWords:
        blocked = self.word_lists.get(brand, WordList()).blocked
        return WidgetWords(blocked=blocked, review=[], allowed=[], allowed_as_written=[],
                           substitutions={}, lookalikes={}, message="Not allowed.")

    async def validate(self, brand: str, data: ValidateDesign) -> ValidationResult:
        return self._check(brand, data, autofit=False)

    async def normalize(self, brand: str, data: ValidateDesign) -> ValidationResult:
        return self._check(brand, data, autofit=False)

    async def autofit(self, brand: str, data: ValidateDesign) -> ValidationResult:
        return self._check(brand, data, autofit=True)

    def _check(self, brand: str, data: ValidateDesign, autofit: bool) -> ValidationResult:
        """Length in characters after NFC, the zone's fonts; auto-fit picks the largest size."""
        product = self._product(brand, data.product_id)
        inputs = {key: ZoneInput(text=v) if isinstance(v, str) else v
                  for key, v in data.values.items()}
        zones = [self._zone(brand, zone, inputs.get(zone.key, ZoneInput(text="")), autofit)
                 for zone in product.zones]
        unknown = [ErrorItem(field=key, code=ErrorCode.UNKNOWN_ZONE, message="No such zone.")
                   for key in inputs if key not in {z.key for z in product.zones}]
        valid = not unknown and not any(z.errors for z in zones)
        design = DesignSpec(  # every zone at the middle of one view (the real one places them)
            product_id=product.id, template_version=product.template_version,
            views=[SpecView(key="front", width_mm=1000, height_mm=1000)],
            zones=[self._spec_zone(brand, zone, result)
                   for zone, result in zip(product.zones, zones, strict=True)],
        ) if valid else None
        return ValidationResult(valid=valid, zones=zones, errors=unknown, design=design)

    def _zone(self, brand: str, zone: TextZone, given: ZoneInput, autofit: bool) -> ZoneResult:
        value = unicodedata.normalize("NFC", given.text)
        font = next((f for f in zone.fonts if f.font_id == (given.font_id or f.font_id)), None)
        errors = []
        if zone.rules.required and not value:
            errors.append(ErrorItem(field=zone.key, code=ErrorCode.REQUIRED,
                                    message="Enter a text."))
        if len(value) > zone.rules.max_length:
            errors.append(ErrorItem(field=zone.key, code=ErrorCode.TOO_LONG,
                                    message=f"At most {zone.rules.max_length} characters.",
                                    position=zone.rules.max_length))
        if font is None:
            errors.append(ErrorItem(field=zone.key, code=ErrorCode.FONT_NOT_ALLOWED,
                                    message="Choose one of the zone's fonts."))
        size = font.max_size_mm if font and autofit else given.size_mm
        return ZoneResult(zone=zone.key, value=value, length=len(value), errors=errors,
                          font_id=font.font_id if font else None,
                          colour=given.colour or zone.colours[0], size_mm=size, fits=True,
                          review=self._review(brand, value))

    def _review(self, brand: str, value: str) -> list[WordMatch]:
        """The brand's review entries found as whole words (the real rules do much more)."""
        review = self.word_lists.get(brand, WordList()).review
        return [WordMatch(entry=word, source="brand", outcome=WordOutcome.REVIEW,
                          kind=MatchKind.WORD, position=value.find(word), matched=word, why=[])
                for word in value.split() if word in review]

    def _spec_zone(self, brand: str, zone: TextZone, result: ZoneResult) -> PlacedSpecZone:
        font = next(f for f in self._fonts(brand) if f.id == result.font_id)
        return PlacedSpecZone(
            view="front", x_mm=500, y_mm=500, rotation_deg=0,
            key=zone.key, text=result.value, layer=zone.layer, width_mm=zone.width_mm,
            height_mm=zone.height_mm, bleed_mm=zone.bleed_mm, safe_mm=zone.safe_mm,
            font=FontRef(id=font.id, sha256=font.sha256),
            size_mm=result.size_mm or zone.fonts[0].max_size_mm, colour=result.colour or "#000000",
            align=zone.align, line_height=zone.line_height, max_lines=zone.rules.max_lines,
        )

    # --- specs ---

    async def create_spec(self, brand: str, data: CreateSpec) -> SpecCreatedReply:
        canonical = data.spec.model_dump_json()
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        created = (brand, digest) not in self.specs
        self.specs[(brand, digest)] = StoredSpec(spec_hash=digest, spec=data.spec,
                                                 canonical_json=canonical)
        return SpecCreatedReply(spec_hash=digest, canonical_json=canonical, created=created)

    async def get_spec(self, brand: str, data: GetSpec) -> StoredSpec:
        try:
            return self.specs[(brand, data.spec_hash)]
        except KeyError:
            raise NotFound.of("spec", "spec_hash") from None

    async def validate_spec(self, brand: str, data: ValidateSpec) -> SpecValidation:
        try:
            spec = ANY_SPEC.validate_python(data.document)
        except ValidationError:
            return SpecValidation(valid=False, errors=[ErrorItem(
                field="document", code=ErrorCode.SPEC_INVALID, message="Not a design spec.")])
        canonical = spec.model_dump_json()
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        if data.spec_hash is not None and data.spec_hash != digest:
            return SpecValidation(valid=False, spec_hash=digest, errors=[ErrorItem(
                field="spec_hash", code=ErrorCode.SPEC_HASH_MISMATCH, message="Not its hash.")])
        return SpecValidation(valid=True, spec_hash=digest, canonical_json=canonical)

    # --- snapshots ---

    async def create_snapshot(self, brand: str, data: CreateSnapshot) -> SnapshotView:
        self.created.append(data)
        spec_hash = hashlib.sha256(data.spec.model_dump_json().encode()).hexdigest()
        view = SnapshotView(id=new_id(), product_id=data.spec.product_id, spec_hash=spec_hash,
                            template_version=data.spec.template_version,
                            status=SnapshotStatus.CREATED, created_at=datetime.now(UTC),
                            provenance=data.provenance, review=data.review)
        self.snapshots[(brand, view.id)] = view
        return view

    async def get_snapshot(self, brand: str, data: GetSnapshot) -> SnapshotView:
        try:
            return self.snapshots[(brand, data.snapshot_id)]
        except KeyError:
            raise NotFound.of("snapshot", "snapshot_id") from None

    def _transition(self, brand: str, snapshot_id: str, allowed_from: set[SnapshotStatus],
                    **changes: Any) -> SnapshotView:
        view = self.snapshots.get((brand, snapshot_id))
        if view is None:
            raise NotFound.of("snapshot", "snapshot_id")
        if view.status not in allowed_from:
            message = f"A {view.status} snapshot cannot become {changes['status']}."
            raise Conflict(message, [ErrorItem(field="status", code=ErrorCode.INVALID_TRANSITION,
                                               message=message)])
        view = view.model_copy(update=changes)
        self.snapshots[(brand, snapshot_id)] = view
        return view

    # --- manufacturing: a work order is ready at once, its bundle in the shared store ---

    async def export_pack(self, brand: str, data: ExportPack) -> WorkOrderView:
        snapshot = await self.get_snapshot(brand, GetSnapshot(snapshot_id=data.snapshot_id))
        if snapshot.status is SnapshotStatus.CREATED:
            raise Conflict("Only a validated or locked snapshot is produced.", [ErrorItem(
                field="snapshot_id", code=ErrorCode.SNAPSHOT_NOT_VALIDATED, message="validate")])
        order_id = new_id()
        key = f"bundles/{brand}/{order_id}/{snapshot.id}.zip"
        await self.store.put(key, b"PK\x05\x06" + bytes(18), "application/zip")
        self.work_orders[(brand, order_id)] = WorkOrderView(
            id=order_id, snapshot_id=snapshot.id, spec_hash=snapshot.spec_hash,
            profile=data.profile or "standard", status=WorkOrderStatus.READY,
            bundle_name=f"{snapshot.id}.zip", object_key=key)
        return self.work_orders[(brand, order_id)].model_copy(
            update={"status": WorkOrderStatus.PENDING, "object_key": None, "bundle_name": None})

    async def get_work_order(self, brand: str, data: GetWorkOrder) -> WorkOrderView:
        try:
            return self.work_orders[(brand, data.work_order_id)]
        except KeyError:
            raise NotFound.of("work order", "work_order_id") from None

    async def regenerate(self, brand: str, data: RegenerateWorkOrder) -> WorkOrderView:
        order = await self.get_work_order(brand, GetWorkOrder(work_order_id=data.work_order_id))
        return order.model_copy(update={"status": WorkOrderStatus.PENDING, "object_key": None})

    async def validate_snapshot(self, brand: str, data: ValidateSnapshot) -> SnapshotView:
        return self._transition(brand, data.snapshot_id, {SnapshotStatus.CREATED},
                                status=SnapshotStatus.VALIDATED, validated_by=data.by,
                                validated_at=datetime.now(UTC))

    async def lock_snapshot(self, brand: str, data: LockSnapshot) -> SnapshotView:
        return self._transition(brand, data.snapshot_id,
                                {SnapshotStatus.CREATED, SnapshotStatus.VALIDATED},
                                status=SnapshotStatus.LOCKED, locked_by=data.by,
                                lock_reason=data.reason, locked_at=datetime.now(UTC))

    async def request_render(self, brand: str, data: RequestRender) -> RenderState:
        return self.renders.setdefault(data.spec_hash, RenderState(
            spec_hash=data.spec_hash, status=RenderStatus.PENDING, assets=[RenderedAsset(
                kind=data.kind, view=data.view or "front", variant="front.jpg",
                status=RenderStatus.PENDING)]))

    async def funnel(self, brand: str, data: GetFunnel) -> Funnel:
        self.funnels.append(data)
        return Funnel(product_id=data.product_id, since=data.since, until=data.until,
                      steps=[FunnelStep(name=name, sessions=0, funnel_sessions=0,
                                        conversion=None) for name in FUNNEL_STEPS],
                      validation_failed=[], overall_conversion=None)

    async def get_render(self, brand: str, data: GetRender) -> RenderState:
        try:
            return self.renders[data.spec_hash]
        except KeyError:
            raise NotFound.of("render", "spec_hash") from None


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
def store(settings: GatewaySettings) -> LocalStore:
    """The object storage the gateway and the fake services share, as in production."""
    return LocalStore(settings.storage_dir)


@pytest.fixture
def services(store: LocalStore) -> FakeServices:
    return FakeServices(store)


@pytest.fixture
async def client(
    settings: GatewaySettings, services: FakeServices
) -> AsyncIterator[AsyncTestClient]:
    """The app with the fake services answering on the bus.

    AsyncTestClient runs the app on an event loop of its own, in a thread, and blocks the test's
    loop during each request; so the fakes run on the app's loop, where they can answer."""
    metrics = Metrics("fake-services")
    # the fakes keep their request keys where the snapshot service keeps its own
    db = Database(settings.database_url, "snapshot")
    bus = Bus(create_broker(settings, metrics), settings, metrics,
              units=lambda: UnitOfWork(db, "fake-services", kit_tables("snapshot"),
                                       no_repository))
    services.register(bus)
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.blocking_portal.call(bus.start)  # live before the first request
        try:
            yield client
        finally:
            client.blocking_portal.call(bus.stop)
            client.blocking_portal.call(db.dispose)


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


def zone(key: str = "name", max_length: int = 5, **changes: Any) -> dict[str, Any]:
    """A v2 text zone, as an admin sends it."""
    return {"key": key, "label": key.title(), "width_mm": 60, "height_mm": 12,
            "fonts": [{"font_id": "dejavu-sans", "min_size_mm": 3, "max_size_mm": 8}],
            "rules": {"max_length": max_length}, **changes}


async def make_product(client: AsyncTestClient, brand: Brand) -> str:
    response = await client.post(
        "/v1/admin/products", json={"name": "Bracelet", "zones": [zone()]}, headers=brand.admin
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
