"""Snapshot service: immutable snapshots of designs, referenced by cart lines and order items."""
