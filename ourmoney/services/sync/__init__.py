"""Sync between devices: reading the change log, applying changes, and syncing with peers."""
