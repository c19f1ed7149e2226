"""Test helpers for every service: the pytest plugin (real Postgres and NATS, uniquely named),
fakes for unit tests, and bus messages generated to break consumers (``fuzz``)."""
