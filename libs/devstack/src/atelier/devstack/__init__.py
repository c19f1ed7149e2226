"""Runs the whole system on one machine: infrastructure checks, setup, processes, demo data."""
