"""Manufacturing service: work orders and production bundles (SVG, DXF, PDF, PNG, ZIP)."""
