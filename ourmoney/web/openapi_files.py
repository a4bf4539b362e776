"""The OpenAPI description of the file endpoints: import a file, list and undo imports, export."""

from __future__ import annotations

from typing import Any

from ourmoney.services.importing import FORMATS

Schema = dict[str, Any]
COUNT = {"type": "integer", "minimum": 0}
EXPORTS = ["json", "csv", "xlsx"]
MEDIA_TYPES = {"application/json": "OurMoney's own JSON (re-importable).",
               "text/csv": "CSV: UTF-8, ISO dates, signed decimal-point amounts.",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                   "XLSX with real dates and numeric amounts."}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(description: str, **extra: Any) -> Schema:
    return {"type": "string", "description": description, **extra}


def _maybe(description: str, **extra: Any) -> Schema:
    return {"type": ["string", "null"], "description": description, **extra}


def _closed(properties: Schema, required: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


def _summary_fields() -> Schema:
    return {
        "batch_id": _maybe("The batch to undo; null when nothing was written."),
        "format": _text("The format the file was read as.", enum=list(FORMATS)),
        "source": _text("The file's name."),
        "dry_run": {"type": "boolean", "description": "True when nothing was written."},
        "added": COUNT | {"description": "Transactions added (or that would be)."},
        "duplicates": COUNT | {"description": "Rows skipped as already in the ledger."},
        "errors": COUNT | {"description": "Rows that cannot be imported."},
        "ignored": COUNT | {"description": "Rows ignored on purpose (a zero amount)."},
        "sum_added": _text("Sum of the added amounts, signed.", pattern=r"^-?[0-9]+(\.[0-9]+)?$"),
        "problems": {"type": "array", "description": "Invalid rows (the first 1,000).",
                     "items": _closed({"line": COUNT | {"description": "Line or record; 0 for"
                                                        " the file as a whole."},
                                       "message": _text("What is wrong.")},
                                      ("line", "message"))},
        "reasons": {"type": "object", "description": "How many rows were skipped, by reason.",
                    "additionalProperties": COUNT},
    }


def schemas() -> dict[str, Schema]:
    """Return the component schemas of the file endpoints."""
    fields = _summary_fields()
    required = tuple(fields)
    preview_row = _closed({
        "line": COUNT, "status": _text("What the import would do with the row.",
                                       enum=["new", "duplicate", "error", "ignored"]),
        "reason": _text("Why a row is a duplicate, an error or ignored."),
        "occurred_on": _maybe("Day.", format="date"), "description": _text("Description."),
        "amount": _maybe("Signed amount as read, decimal string."),
        "category": _maybe("Category named in the file.")},
        ("line", "status", "reason", "occurred_on", "description", "amount", "category"))
    return {
        "ImportResult": _closed(fields, required),
        "ImportPreview": _closed({**fields, "preview": {"type": "array", "items": preview_row,
                                                        "description": "The first 50 rows."}},
                                 (*required, "preview")),
        "ImportRefused": _closed({**fields, "error": _text("Why nothing was imported."),
                                  "field": _text("Always file.")}, (*required, "error")),
        "ImportBatch": _closed({
            "id": _text("Batch id."), "created_at": _text("When it ran (UTC).",
                                                          format="date-time"),
            "source": _text("The file's name."), "format": _text("Format."),
            "added": COUNT, "duplicates": COUNT, "errors": COUNT,
            "undone_at": _maybe("When it was undone (UTC), or null.", format="date-time")},
            ("id", "created_at", "source", "format", "added", "duplicates", "errors",
             "undone_at")),
        "ImportUpload": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream",
                     "description": "The file, at most 50 MB (use the CLI for bigger ones)."},
            "format": _text("auto (default) or the format to read it as.",
                            enum=["auto", *FORMATS]),
            "mapping": _text("CSV/XLSX only: the column mapping as JSON text, e.g."
                             ' {"date": 0, "description": [2], "amount": 1}; default: the'
                             " bank profile saved for this shape of file, else the guess."),
            "dry_run": _text("true: say what would happen, write nothing.",
                             enum=["true", "false"]),
            "skip_invalid": _text("true: import the valid rows even if others are invalid.",
                                  enum=["true", "false"])}},
        "Undone": _closed({"removed": COUNT | {"description": "Transactions removed."}},
                          ("removed",)),
        "ImportProfile": _closed({
            "name": _text("The profile's name, as given (plain text, at most 60 characters)."),
            "sheet": _maybe("XLSX: the sheet the profile reads, or null for any."),
            "created_at": _text("When it was saved (UTC).", format="date-time"),
            "columns": {"type": "array", "description": "What each role reads, in order.",
                        "items": _closed({"role": _text("Date, Description, Amount, ..."),
                                          "columns": _text('Columns, e.g. "4. Amount".')},
                                         ("role", "columns"))}},
            ("name", "sheet", "created_at", "columns")),
        "ImportProfileRename": _closed({"name": _text("The new name.", maxLength=60)},
                                       ("name",)),
    }


def _json(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Schema]:
    found = {400: "Bad input: `field` names it (file, format, mapping, dry_run, ...).",
             403: "Refused: foreign Host, cross-site request or missing CSRF token.",
             404: "There is no such import batch or bank profile.",
             409: "That import was already undone, or another bank profile has that name.",
             413: "The file is over 50 MB: import it with `ourmoney import FILE`."}
    return {str(code): _json(found[code], _ref("Error")) for code in codes}


def paths(list_parameters: list[Schema]) -> dict[str, Schema]:
    """Return the file endpoints; `list_parameters` are the transaction list's filters."""
    filters = [p for p in list_parameters if p["name"] not in ("cursor", "limit")]
    return {
        "/imports": {
            "get": {"operationId": "get_imports", "summary": "List recent imports, newest first.",
                    "responses": {"200": _json("Recent imports.", _closed(
                        {"items": {"type": "array", "items": _ref("ImportBatch")}},
                        ("items",)))}},
            "post": {
                "operationId": "post_import",
                "summary": "Import a file as one undoable batch, without duplicates.",
                "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": _ref("ImportUpload")}}},
                "security": [{}, {"csrfToken": []}],
                "responses": {
                    "201": _json("Imported.", _ref("ImportResult")),
                    "200": _json("Dry run: what would be imported.", _ref("ImportPreview")),
                    **_errors(403, 413),
                    "400": _json("Bad input (`field` names it), or invalid rows in the file:"
                                 " then nothing was imported, and the body also says what"
                                 " the import found (send skip_invalid=true to import the"
                                 " rest).", {"oneOf": [_ref("Error"), _ref("ImportRefused")]})}},
        },
        "/imports/{batch_id}/undo": {
            "parameters": [{"name": "batch_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "post": {"operationId": "post_import_undo",
                     "summary": "Undo a whole import (its rows become deleted).",
                     "security": [{}, {"csrfToken": []}],
                     "responses": {"200": _json("Undone.", _ref("Undone")),
                                   **_errors(403, 404, 409)}},
        },
        "/import-profiles": {
            "get": {"operationId": "get_import_profiles",
                    "summary": "List the saved bank profiles (column mappings), by name.",
                    "responses": {"200": _json("Bank profiles.", _closed(
                        {"items": {"type": "array", "items": _ref("ImportProfile")}},
                        ("items",)))}},
        },
        "/import-profiles/{name}": {
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "patch": {"operationId": "patch_import_profile", "summary": "Rename a bank profile.",
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": _ref("ImportProfileRename")}}},
                      "security": [{}, {"csrfToken": []}],
                      "responses": {"200": _json("Renamed.", _ref("ImportProfile")),
                                    **_errors(400, 403, 404, 409)}},
            "delete": {"operationId": "delete_import_profile",
                       "summary": "Delete a bank profile (files of its shape are guessed again).",
                       "security": [{}, {"csrfToken": []}],
                       "responses": {"204": {"description": "Deleted."},
                                     **_errors(403, 404)}},
        },
        "/export": {
            "get": {"operationId": "get_export",
                    "summary": "Download the transactions a filter shows, streamed.",
                    "parameters": [{"name": "format", "in": "query", "required": False,
                                    "description": "File format; default json.",
                                    "schema": {"type": "string", "enum": EXPORTS}},
                                   *filters],
                    "responses": {"200": {
                        "description": "The file, as an attachment named"
                                       " ourmoney-YYYY-MM-DD.json|csv|xlsx.",
                        "content": {media: {"schema": {"type": "string", "description": text}}
                                    for media, text in MEDIA_TYPES.items()}},
                        **_errors(400, 404)}},
        },
    }
