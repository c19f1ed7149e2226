"""Render service: previews and production renders of design specs."""
