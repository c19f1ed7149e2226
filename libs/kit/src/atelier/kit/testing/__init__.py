"""Test helpers for every service: the pytest plugin (real Postgres and NATS, uniquely named) and
fakes for unit tests."""
