"""The whole system on one machine: ``make run``, the end-to-end tests and the benchmark."""

from atelier.devstack.stack import DEFAULT_PORTS, Replica, Stack, StackError

__all__ = ["DEFAULT_PORTS", "Replica", "Stack", "StackError"]
