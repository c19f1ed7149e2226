"""The emails of an order end to end, every service its own process and a real SMTP server
(the devstack's aiosmtpd sink) on the other side: a paid Shopify order ends with the
confirmation in the shopper's mailbox, its proof the mockup the gateway serves; the brand's
settings, previews and suppression list through the admin API; an order marked shipped by the
brand sends the tracking link."""

import lxml.html
import pytest

from atelier.e2e.system import System
from atelier.kit.testing.plugin import eventually

from .test_orders import admin, connect, order_paid, snapshot_of, the_order

pytestmark = pytest.mark.e2e
SHOPPER = "ada@example.com"  # the payload's


async def test_a_paid_order_ends_with_its_confirmation_in_the_shoppers_mailbox(
    system: System,
) -> None:
    demo = await system.new_brand()
    shop, secret = await connect(system, demo)
    async with admin(system, demo) as client:
        settings = await client.put("/v1/admin/notifications/settings", json={
            "sender_name": "Maison Lune", "sender_address": "lune@atelier.localhost",
            "reply_to": "bonjour@lune.example", "operations_address": "ops@lune.example"})
        assert settings.status_code == 200, settings.text
        refused = await client.put("/v1/admin/notifications/settings", json={
            "sender_name": "Maison Lune", "sender_address": "spoof@bank.example"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "sender_domain_not_allowed"
    snapshot_id = await snapshot_of(system, demo, "Ada")
    payload = await order_paid(system, shop, secret, snapshot_id)  # customer_locale fr-FR

    async def confirmation() -> list:
        return [r for r in system.mail.to(SHOPPER)
                if payload["name"] in r.message["Subject"]
                and r.message["From"] == "Maison Lune <lune@atelier.localhost>"]

    [received] = await eventually(confirmation, timeout=60)
    message = received.message
    assert message["Subject"] == f"Votre commande {payload['name']} est confirmée"
    assert message["Reply-To"] == "bonjour@lune.example"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    [proof] = [img for img in lxml.html.document_fromstring(html).iter("img")
               if "/v1/assets/renders/" in (img.get("src") or "")]
    assert proof.get("alt", "").startswith("Épreuve de ")
    # the proof is the mockup the gateway serves
    path = proof.get("src").split("/v1/assets/", 1)[1]
    async with admin(system, demo) as client:
        image = await client.get(f"/v1/assets/{path}")
        assert image.status_code == 200 and image.headers["content-type"].startswith("image/")

        order = await the_order(system, demo, payload["id"])
        shipped = await client.post(f"/v1/orders/{order['id']}/ship", json={
            "tracking_company": "La Poste", "tracking_number": "6A12345678901",
            "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A1"})
        assert shipped.status_code == 200 and shipped.json()["status"] == "shipped", shipped.text
        again = await client.post(f"/v1/orders/{order['id']}/ship", json={})
        assert again.status_code == 422  # shipped already

        async def tracking() -> list:
            return [r for r in system.mail.to(SHOPPER)
                    if r.message["Subject"] == f"Votre commande {payload['name']} est en route"]

        [sent] = await eventually(tracking, timeout=30)
        text = sent.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "https://www.laposte.fr/outils/suivre-vos-envois?code=6A1" in text

        preview = await client.post(
            "/v1/admin/notifications/templates/order_shipped/preview?locale=en")
        assert preview.status_code == 200, preview.text
        assert preview.json()["subject"] == "Your order #1042 is on its way"
        assert "Maison Lune" in preview.json()["html"] and preview.json()["text"]
        unknown = await client.post("/v1/admin/notifications/templates/newsletter/preview")
        assert unknown.status_code == 400

        added = await client.post("/v1/admin/notifications/suppressions",
                                  json={"address": "Bob@Example.com"})
        assert added.status_code == 201 and added.json()["reason"] == "manual", added.text
        listed = await client.get("/v1/admin/notifications/suppressions")
        assert [s["address"] for s in listed.json()["suppressions"]] == ["bob@example.com"]
        removed = await client.delete("/v1/admin/notifications/suppressions/bob@example.com")
        assert removed.status_code == 200 and removed.json()["suppressions"] == []
