"""What each template shows (its ``data``), and the sample of it a brand previews."""

from dataclasses import dataclass, field

from atelier.contracts.notification import EmailTemplate


@dataclass(frozen=True)
class Proof:
    title: str
    quantity: int
    total: str  # formatted in the email's locale
    image_url: str | None  # the item's mockup, None while it is not drawn yet
    personalized: bool = True  # a plain item (no design) has no proof to wait for


@dataclass(frozen=True)
class Confirmation:
    order_name: str
    total: str
    items: list[Proof] = field(default_factory=list)


@dataclass(frozen=True)
class Shipped:
    order_name: str
    tracking_company: str | None
    tracking_number: str | None
    tracking_url: str | None


@dataclass(frozen=True)
class ProductionError:
    order_name: str
    item_title: str
    reason: str
    retry_url: str


@dataclass(frozen=True)
class RenderReady:
    snapshot_id: str
    view: str
    image_url: str


Data = Confirmation | Shipped | ProductionError | RenderReady
SAMPLE_IMAGE = "/v1/assets/renders/" + "0" * 64 + "/mockup-front.jpg"


def sample(template: EmailTemplate, public_url: str, total: str, item_total: str) -> Data:
    """Sample data for previews and the golden files (the totals formatted by the caller, in
    the preview's locale)."""
    image = public_url + SAMPLE_IMAGE
    if template is EmailTemplate.ORDER_CONFIRMATION:
        return Confirmation(order_name="#1042", total=total, items=[
            Proof(title="Engraved fountain pen — “Ada”", quantity=1, total=item_total,
                  image_url=image),
            Proof(title="Engraved ring box", quantity=1, total=item_total, image_url=None),
            Proof(title="Gift wrap <Walnut & gold>", quantity=2, total=item_total,
                  image_url=None, personalized=False)])
    if template is EmailTemplate.ORDER_SHIPPED:
        return Shipped(order_name="#1042", tracking_company="La Poste",
                       tracking_number="6A12345678901",
                       tracking_url="https://www.laposte.fr/outils/suivre-vos-envois"
                                    "?code=6A12345678901")
    if template is EmailTemplate.PRODUCTION_ERROR:
        return ProductionError(
            order_name="#1042", item_title="Engraved fountain pen — “Ada”",
            reason="the font 'Brand Script' has no glyph for 'ß'",
            retry_url=f"{public_url}/v1/manufacturing/work-orders/"
                      "0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b/export")
    return RenderReady(snapshot_id="0193a5c6-7b1d-7d2e-9a3f-4c5d6e7f8a9b", view="front",
                       image_url=image)
