"""Use cases of the gateway: each turns one public request into bus calls and table rows.

One module per resource (``brands``, ``api_keys``, ``catalog``, ``designs``, ``snapshots``,
``assets``); ``bus`` and ``idempotency`` hold what several of them share.
"""
