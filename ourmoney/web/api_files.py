"""The JSON API for files: import an upload (or dry-run it), list and undo imports, export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ourmoney.errors import N_, InvalidInput
from ourmoney.services import exporting
from ourmoney.services.book import Book
from ourmoney.services.importing import list_batches, profiles, undo_import, uploads
from ourmoney.services.importing.batches import Batch
from ourmoney.services.importing.profiles import Profile
from ourmoney.services.importing.review import (
    TABLE_FORMATS,
    Columns,
    columns,
    mapping_from_text,
    preview,
    run,
    with_mapping,
)
from ourmoney.services.importing.rows import ImportSummary
from ourmoney.services.importing.table import ColumnMapping
from ourmoney.services.importing.uploads import Upload
from ourmoney.web import context, downloads, forms
from ourmoney.web.api import body

bp = Blueprint("api_files", __name__, url_prefix="/api/v1")
UPLOAD_ENDPOINTS = frozenset({"api_files.post_import"})
_YES, _NO = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})


def upload_limit() -> int:
    """Return the largest file a web upload takes, in bytes."""
    return int(current_app.config["UPLOAD_LIMIT"])


@bp.errorhandler(RequestEntityTooLarge)
def on_too_large(_: RequestEntityTooLarge) -> tuple[Response, int]:
    """Say how big a file may be, and what to do with a bigger one."""
    error = uploads.too_large(upload_limit())
    return jsonify(error=error.message, field=error.field), 413


def flag(args: Mapping[str, str], name: str) -> bool:
    """Read a yes/no form field, refusing anything else."""
    word = args.get(name, "").strip().lower()
    if word not in _YES | _NO:
        raise InvalidInput(N_("%(name)s must be true or false."), field=name, name=name)
    return word in _YES


def summary_json(summary: ImportSummary, *, with_preview: bool) -> dict[str, Any]:
    """Return what an import did (or would do) as the API shows it."""
    found: dict[str, Any] = {
        "batch_id": summary.batch_id if summary.imported else None, "format": summary.format,
        "source": summary.source, "dry_run": summary.dry_run, "added": summary.added,
        "duplicates": summary.duplicates, "errors": summary.errors, "ignored": summary.ignored,
        "sum_added": str(summary.sum_added),
        "problems": [{"line": p.line, "message": p.message} for p in summary.problems],
        "reasons": dict(summary.reasons)}
    if with_preview:
        found["preview"] = [{"line": row.line, "status": row.status, "reason": row.reason,
                             "occurred_on": row.occurred_on.isoformat() if row.occurred_on
                             else None, "description": row.description,
                             "amount": None if row.amount is None else str(row.amount),
                             "category": row.category} for row in summary.preview]
    return found


def refusal(summary: ImportSummary) -> str:
    """Say why nothing was imported: the file as a whole, its one bad row, or how many."""
    first = summary.problems[0] if summary.problems else None
    if first is not None and first.line == 0:
        return first.message
    if first is not None and summary.errors == 1:
        return (f"Line {first.line} is not valid, so nothing was imported: {first.message}"
                " Fix it, or send skip_invalid=true to import the other rows.")
    return (f"{summary.errors} rows are not valid, so nothing was imported; fix them or send"
            " skip_invalid=true to import the rest.")


def batch_json(batch: Batch) -> dict[str, Any]:
    """Return a past import as the API shows it."""
    return {"id": batch.id, "created_at": batch.created_at, "source": batch.source,
            "format": batch.format, "added": batch.added, "duplicates": batch.duplicates,
            "errors": batch.errors, "undone_at": batch.undone_at}


@bp.post("/imports")
def post_import() -> tuple[Response, int]:
    form = request.form
    given = uploads.format_choice(form.get("format"))
    dry_run, skip_invalid = flag(form, "dry_run"), flag(form, "skip_invalid")
    chosen = mapping_from_text(form["mapping"]) if form.get("mapping", "").strip() else None
    file = request.files.get("file")
    if file is None or not file.filename:
        raise InvalidInput(N_("Choose a file to import."), field="file")
    upload = uploads.save_upload(context.settings().data_path, file.filename, file.stream,
                                 limit=upload_limit())
    try:
        file_format = given or upload.detected
        if chosen is not None and file_format not in TABLE_FORMATS:
            raise InvalidInput(N_("A column mapping is only for CSV and XLSX files."),
                               field="mapping")
        book = context.book()
        table = _table(book, upload, file_format, chosen)
        if dry_run:
            return jsonify(summary_json(preview(book, upload, file_format, table,
                                                limit=None).summary, with_preview=True)), 200
        summary = run(book, upload, file_format, table, skip_invalid=skip_invalid)
    finally:
        uploads.remove_upload(upload)
    if summary.errors and not skip_invalid:
        return jsonify(error=refusal(summary), field="file",
                       **summary_json(summary, with_preview=False)), 400
    return jsonify(summary_json(summary, with_preview=False)), 201


def _table(book: Book, upload: Upload, file_format: str,
           chosen: ColumnMapping | None) -> Columns | None:
    """Return a CSV/XLSX file's columns, read with the mapping sent or the saved or guessed one."""
    if file_format not in TABLE_FORMATS:
        return None
    found = columns(book, upload, file_format, chosen.sheet if chosen is not None else None)
    return with_mapping(found, chosen) if chosen is not None else found


@bp.get("/imports")
def get_imports() -> Response:
    return jsonify(items=[batch_json(b) for b in list_batches(context.book())])


@bp.post("/imports/<batch_id>/undo")
def post_import_undo(batch_id: str) -> Response:
    return jsonify(removed=undo_import(context.book(), batch_id))


@bp.get("/export")
def get_export() -> Response:
    file_format = exporting.format_for("", request.args.get("format") or "json")
    return downloads.export_response(forms.selection_from(request.args, context.book()),
                                     file_format)


def profile_json(profile: Profile) -> dict[str, Any]:
    """Return a bank profile as the API shows it."""
    return {"name": profile.name, "sheet": profile.sheet, "created_at": profile.created_at,
            "columns": [{"role": role, "columns": columns} for role, columns in profile.columns]}


@bp.get("/import-profiles")
def get_import_profiles() -> Response:
    return jsonify(items=[profile_json(p) for p in profiles.list_profiles(context.book())])


@bp.patch("/import-profiles/<path:name>")
def patch_import_profile(name: str) -> Response:
    book = context.book()
    renamed = profiles.rename_profile(book, name, body().get("name"))
    return jsonify(next(profile_json(p) for p in profiles.list_profiles(book)
                        if p.name == renamed))


@bp.delete("/import-profiles/<path:name>")
def delete_import_profile(name: str) -> tuple[str, int]:
    profiles.delete_profile(context.book(), name)
    return "", 204
