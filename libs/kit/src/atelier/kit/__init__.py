"""The platform kit: written once, used by every Atelier service."""
