"""The public HTTP API: thin controllers that translate requests to use cases and back.

Each body is declared by a handler's ``data`` annotation (read by ``bodies.Body``) and each
response by its ``Response[...]`` annotation, so the OpenAPI document shows both; responses are
encoded once, by ``common.json_response`` (or, on a mutating POST, ``idempotency.Once``, which
replays them under an Idempotency-Key), from the models the use cases return.

One controller module per resource, each calling the use cases of the same name in
``atelier.gateway.handlers``; ``routes`` is the one list the app serves.
"""

from typing import Any

from atelier.gateway.http import (
    analytics,
    api_keys,
    assets,
    brands,
    catalog,
    designs,
    integrations,
    manufacturing,
    notifications,
    orders,
    payments,
    renders,
    snapshots,
    widget,
)


def routes() -> list[Any]:
    return [
        brands.create_brand,
        catalog.create_product, catalog.product, catalog.publish_template,
        catalog.set_view_photo,
        catalog.set_shape,
        catalog.set_glb,
        catalog.upload_font, catalog.fonts, catalog.set_word_list, catalog.word_list,
        catalog.check_words,
        brands.brand, brands.set_allowed_origins,
        api_keys.api_keys, api_keys.create_api_key, api_keys.revoke_api_key,
        snapshots.validate_snapshot, snapshots.lock_snapshot,
        designs.product_config, designs.validate, designs.normalize, designs.autofit,
        designs.create_spec, designs.spec, designs.check_spec,
        snapshots.create_snapshot, snapshots.snapshot, renders.snapshot_events,
        renders.preview, renders.render, renders.render_events,
        assets.asset, assets.font,
        integrations.connect_shopify,
        orders.orders, orders.order, orders.release_item, orders.ship_order, orders.map_product,
        payments.set_price, payments.price, payments.create_payment_intent,
        manufacturing.export_pack, manufacturing.work_order, manufacturing.export_work_order,
        manufacturing.bundles, manufacturing.download, manufacturing.profiles,
        manufacturing.set_profile, manufacturing.set_product_profile,
        widget.widget_manifest, widget.widget_file,
        analytics.record_events, analytics.funnel,
        notifications.email_settings, notifications.set_email_settings, notifications.preview_email,
        notifications.suppressions, notifications.suppress, notifications.unsuppress,
        notifications.unsubscribe_page, notifications.unsubscribe,
    ]
