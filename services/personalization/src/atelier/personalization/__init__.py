"""Personalization service: products, zones, templates and the validation of shopper input."""
