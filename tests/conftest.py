"""Fixtures shared by the whole suite."""

pytest_plugins = ["tests.support.hub"]  # hub_db, hub: a real hub on a fresh PostgreSQL database
