"""Spec service: stores each distinct design once, under the SHA-256 of its canonical JSON."""
