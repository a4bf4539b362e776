"""Import every reader module so each registers its format."""

from ourmoney.services.importing import (
    camt_source,
    csv_source,
    json_source,
    mt940_source,
    ofx_source,
    qif_source,
    xlsx_source,
)

__all__ = ["camt_source", "csv_source", "json_source", "mt940_source", "ofx_source",
           "qif_source", "xlsx_source"]
