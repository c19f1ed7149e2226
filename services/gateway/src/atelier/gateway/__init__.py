"""Gateway service: the public HTTP API: widget and admin endpoints, brands and API keys."""
