"""Import every reader module so each registers its format."""

from ourmoney.services.importing import json_source

__all__ = ["json_source"]
