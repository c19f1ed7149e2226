"""Ingress service: Shopify and Stripe webhooks, verified and recorded as an idempotent inbox."""
