"""Storage: the SQLite database, its schema and the single writer."""

from ourmoney.db.store import Store, open_store

__all__ = ["Store", "open_store"]
