"""Import bank and app files: readers per format, one deduplicating, undoable writer."""

from ourmoney.services.importing.batches import list_batches, run_import, undo_import
from ourmoney.services.importing.formats import FORMATS, ReadOptions, detect, reader_for
from ourmoney.services.importing.rows import ImportRow, ImportSummary, RowProblem

__all__ = ["FORMATS", "ImportRow", "ImportSummary", "ReadOptions", "RowProblem", "detect",
           "list_batches", "reader_for", "run_import", "undo_import"]
