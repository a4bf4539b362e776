"""The Import page (upload, format, columns with a live preview, confirm, progress, result,
undo) and the Export downloads of the list."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ourmoney.errors import N_, InvalidInput, NotFound, OurMoneyError
from ourmoney.services import exporting, household
from ourmoney.services.importing import FORMATS, list_batches, review, undo_import, uploads
from ourmoney.services.importing.jobs import ImportJob, ImportJobs
from ourmoney.services.importing.review import TABLE_FORMATS, Columns
from ourmoney.services.importing.rows import ImportSummary
from ourmoney.services.importing.uploads import Upload
from ourmoney.web import api_files, context, downloads, forms, i18n, import_profiles
from ourmoney.web.api_files import upload_limit
from ourmoney.web.import_forms import mapping_choices, mapping_from_form, profile_name

bp = Blueprint("imports", __name__)
import_profiles.register(bp)
UPLOAD_ENDPOINTS = frozenset({"imports.post_upload"}) | api_files.UPLOAD_ENDPOINTS
BACKGROUND_BYTES = 256 * 1024
MULTIPART_OVERHEAD = 64 * 1024
# Reasons the importer gives, so the catalog can translate them where they are shown.
REASONS = (N_("same id already in the ledger"),
           N_("same id earlier in this file"), N_("same bank transaction id already imported"),
           N_("same date, amount and description already imported"), N_("zero amount"))
STATUSES = (N_("new"), N_("duplicate"), N_("error"), N_("ignored"))


def init_app(app: Flask) -> None:
    """Keep the running imports, and let uploads be bigger than other requests."""
    app.config.setdefault("UPLOAD_LIMIT", uploads.UPLOAD_LIMIT)
    app.config.setdefault("IMPORT_BACKGROUND_BYTES", BACKGROUND_BYTES)
    app.extensions["ourmoney"]["imports"] = ImportJobs()
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["moment"] = moment
    app.before_request(allow_uploads)  # registered before the CSRF check reads the form


def allow_uploads() -> None:
    """Raise the request size limit for the endpoints that take a file."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = upload_limit() + MULTIPART_OVERHEAD


def filesize(size: int) -> str:
    """Format a number of bytes as people read it (KB or MB) in the current language."""
    from babel.numbers import format_decimal

    unit, amount = ("MB", size / 1024 ** 2) if size >= 1024 ** 2 else ("KB", size / 1024)
    return f"{format_decimal(round(amount, 1), locale=i18n.format_locale())} {unit}"


def moment(stamp: str) -> str:
    """Format a stored UTC time as this device's local date and time in the current language."""
    from babel.dates import format_datetime

    when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    return str(format_datetime(when, "medium", locale=i18n.format_locale()))


def jobs() -> ImportJobs:
    """Return the imports of this process."""
    found: ImportJobs = current_app.extensions["ourmoney"]["imports"]
    return found


@bp.errorhandler(RequestEntityTooLarge)
def on_too_large(_: RequestEntityTooLarge) -> tuple[str, int]:
    """Say how big a file may be, on the upload page."""
    return _index(uploads.too_large(upload_limit())), 413


@bp.get("/import")
def get_import() -> str:
    return _index()


def _index(problem: OurMoneyError | None = None) -> str:
    return render_template("imports/index.html", problem=problem, formats=FORMATS,
                           batches=list_batches(context.book()),
                           limit_mb=upload_limit() // (1024 * 1024), limit=upload_limit(),
                           too_big=uploads.too_large(upload_limit()))


@bp.post("/import")
def post_upload() -> Response | tuple[str, int]:
    try:
        given = uploads.format_choice(request.form.get("format"))
        file = request.files.get("file")
        if file is None or not file.filename:
            raise InvalidInput(N_("Choose a file to import."), field="file")
        upload = uploads.save_upload(context.settings().data_path, file.filename, file.stream,
                                     limit=upload_limit())
    except OurMoneyError as problem:
        return _index(problem), problem.status
    return redirect(url_for("imports.get_review", token=upload.token, format=given), 303)


def _upload(token: str) -> Upload:
    return uploads.open_upload(context.settings().data_path, token)


@bp.get("/import/<token>")
def get_review(token: str) -> str:
    upload = _upload(token)
    file_format = uploads.format_choice(request.args.get("format")) or upload.detected
    return _review(upload, file_format, sheet=request.args.get("sheet") or None)


@bp.post("/import/<token>/preview")
def post_preview(token: str) -> str:
    upload = _upload(token)
    file_format = uploads.format_choice(request.form.get("format")) or upload.detected
    template = "imports/_preview.html" if request.headers.get("HX-Request") else None
    return _review(upload, file_format, submitted=True, template=template, sheet=_sheet())


def _sheet() -> str | None:
    """Return the workbook sheet the form names (None: the default one)."""
    return request.form.get("sheet") or None


def _review(upload: Upload, file_format: str, *, submitted: bool = False,
            template: str | None = None, problem: OurMoneyError | None = None,
            sheet: str | None = None) -> str:
    """Show the file's columns and a dry run of its rows; say what is wrong instead, if anything."""
    book = context.book()
    table, result = None, None
    try:
        table, wrong = _columns(upload, file_format, submitted, sheet)
        problem = problem or wrong
        if problem is None:
            result = review.preview(book, upload, file_format, table)
    except OurMoneyError as error:
        problem = problem or error
    return render_template(template or "imports/review.html", upload=upload,
                           file_format=file_format, formats=FORMATS, table=table,
                           preview=result, problem=problem, choices=mapping_choices(table),
                           currency=household.preferences(book).currency,
                           limit=review.PREVIEW_ENTRIES, skip_invalid=_ticked("skip_invalid"),
                           profile=request.form.get("profile", ""))


def _columns(upload: Upload, file_format: str, submitted: bool,
             sheet: str | None) -> tuple[Columns | None, OurMoneyError | None]:
    """Return a table's columns (on the chosen sheet) with the submitted mapping (and what is
    wrong with it, if anything), else with the saved profile's or the guessed one; None for
    other formats."""
    if file_format not in TABLE_FORMATS:
        return None, None
    found = review.columns(context.book(), upload, file_format, sheet)
    if not submitted:
        return found, None
    try:
        chosen = mapping_from_form(request.form)
    except OurMoneyError as error:
        return found, error
    try:
        return review.with_mapping(found, chosen), None
    except OurMoneyError as error:
        return Columns(found.shape, chosen, None), error  # show the choice, and what is wrong


def _ticked(name: str) -> bool:
    return request.form.get(name) == "on"


@bp.post("/import/<token>/confirm")
def post_confirm(token: str) -> Response | tuple[str, int]:
    started = jobs().get(token)
    if started is not None and not (started.finished.is_set() and started.refused):
        return redirect(url_for("imports.get_result", token=token), 303)  # pressed twice
    upload = _upload(token)
    file_format = uploads.format_choice(request.form.get("format")) or upload.detected
    try:
        table, wrong = _columns(upload, file_format, True, _sheet())
        if wrong:
            raise wrong
        review.read_options(upload, table)
        name = profile_name(request.form.get("profile", ""))
    except OurMoneyError as problem:
        return _review(upload, file_format, submitted=True, problem=problem,
                       sheet=_sheet()), problem.status
    skip_invalid = _ticked("skip_invalid")
    book = context.book()

    def work(job: ImportJob) -> ImportSummary:
        summary = review.run(book, upload, file_format, table, skip_invalid=skip_invalid,
                             opened=job.watch, progress=job.count)
        if summary.errors and not summary.imported:
            return summary  # refused: keep the file, so the user can fix the columns and retry
        if name and table is not None:
            review.save_profile(book, name, table)
        uploads.remove_upload(upload)
        return summary

    background = upload.size > int(current_app.config["IMPORT_BACKGROUND_BYTES"])
    jobs().start(book, token, upload.size, work, background=background)
    return redirect(url_for("imports.get_result", token=token), 303)


def _job(token: str) -> ImportJob:
    found = jobs().get(token)
    if found is None:
        raise NotFound(N_("That import is not running or was forgotten; the Import page lists"
                          " the recent ones."), field="upload")
    return found


@bp.get("/import/<token>/result")
def get_result(token: str) -> str:
    return render_template("imports/result.html", job=_job(token), token=token,
                           currency=household.preferences(context.book()).currency)


@bp.get("/import/<token>/progress")
def get_progress(token: str) -> str:
    return render_template("imports/_job.html", job=_job(token), token=token,
                           currency=household.preferences(context.book()).currency)


@bp.post("/import/batches/<batch_id>/undo")
def post_undo(batch_id: str) -> Response:
    try:
        removed = undo_import(context.book(), batch_id)
    except OurMoneyError as problem:
        flash(problem.translated(gettext), "error")
    else:
        flash(ngettext("Import undone: %(num)d transaction removed.",
                       "Import undone: %(num)d transactions removed.", removed))
    return redirect(url_for("imports.get_import"), 303)


@bp.get("/export.<ext>")
def get_export(ext: str) -> Response:
    file_format = exporting.format_for("", ext)
    return downloads.export_response(forms.selection_from(request.args, context.book()),
                                     file_format)
