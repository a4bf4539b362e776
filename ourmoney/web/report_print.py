"""The printable report (/reports/print) and the same content as a PDF (/reports/report.pdf)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext

from ourmoney.errors import N_, NotFound
from ourmoney.services import members
from ourmoney.services.book import Book
from ourmoney.services.budget_progress import budget_lines
from ourmoney.services.models import Member
from ourmoney.services.reports import Period, build_report, parse_period, render
from ourmoney.web import context, i18n
from ourmoney.web.charts import Reader, report_charts
from ourmoney.web.pdf import html_to_pdf

bp = Blueprint("report_print", __name__)
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_TITLE = re.compile(r"<title>([^<]*)</title>")
PDF_CHART_WIDTH = 440  # points: most of an A4 text column
PRINTED_CHARTS = ("spending", "income_expense", "balance", "trends", "heatmap")
CHUNK = 40  # rows per table: xhtml2pdf slows down sharply on long tables


@bp.app_template_filter("svg_data_uri")
def svg_data_uri(svg: str) -> str:
    """Return SVG text as a data: URI for an <img> (how xhtml2pdf draws charts)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@bp.app_template_filter("month_name")
def month_name(month: str) -> str:
    """Format "YYYY-MM" as the month and year in the current language ("June 2025")."""
    return str(format_date(date.fromisoformat(month + "-01"), "LLLL yyyy",
                           locale=i18n.format_locale()))


@bp.get("/reports/print")
def get_print() -> str:
    return render_template("reports/print.html", **_requested())


@bp.get("/reports/report.pdf")
def get_pdf() -> Response:
    args = request.args
    made = pdf_of(args.get("period"), args.get("from"), args.get("to"), args.get("member"))
    name = f"ourmoney-report-{made.period.replace('..', '_')}.pdf"
    return Response(made.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@dataclass(frozen=True)
class MadePdf:
    """A report as a PDF, and the period it covers ("2025-Q2")."""

    period: str
    pdf: bytes


def pdf_of(period: str | None, date_from: str | None, date_to: str | None,
           member: str | None) -> MadePdf:
    """Make the PDF of a period (inside a request context: it speaks the request's language)."""
    shown = _gathered(period, date_from, date_to, member)
    return MadePdf(shown["period"].key, html_to_pdf(render_template("reports/pdf.html", **shown)))


def _requested() -> dict[str, Any]:
    """Read the period and member from the query string and gather the report for them."""
    args = request.args
    return _gathered(args.get("period"), args.get("from"), args.get("to"), args.get("member"))


def _gathered(period: str | None, date_from: str | None, date_to: str | None,
              member: str | None) -> dict[str, Any]:
    chosen = parse_period(period, date_from=date_from, date_to=date_to, today=context.today())
    return printable(context.book(), chosen, member_from(context.book(), member),
                     today=context.today())


def member_from(book: Book, given: str | None) -> Member | None:
    """Return the member named or identified by `given`; None for everyone."""
    if not given or not given.strip():
        return None
    found = members.resolve(book, given.strip())
    if found is None:
        raise NotFound(N_("There is no member called %(name)s."), field="member",
                       name=given.strip())
    return found


def printable(book: Book, period: Period, member: Member | None, *,
              today: date) -> dict[str, Any]:
    """Return what the print page and the PDF show (in the current request's language)."""
    report = build_report(book, period, member.id if member else None, today)
    locale = i18n.format_locale()
    charts = report_charts(report, Reader(gettext, locale, report.currency))
    return {"report": report, "period": period, "member": member, "today": today,
            "currency": report.currency, "chunk": CHUNK,
            "budgets": budget_lines(book, period, member.id if member else None),
            "charts": [chart_of(name, charts[name]) for name in PRINTED_CHARTS if name in charts],
            "insights": [render(i, gettext, locale, report.currency) for i in report.insights],
            "query": _query(period, member)}


@dataclass(frozen=True)
class Chart:
    """A chart to print: its title, its SVG and its size in the PDF (points, ratio kept)."""

    name: str
    title: str
    svg: str
    width: int
    height: int


def chart_of(name: str, svg: str) -> Chart:
    """Read a chart's title and proportions from its SVG."""
    box = _VIEWBOX.search(svg)
    ratio = float(box[2]) / float(box[1]) if box else 0.5
    width = min(PDF_CHART_WIDTH, int(PDF_CHART_WIDTH * 0.75 / ratio)) if ratio > 0.75 \
        else PDF_CHART_WIDTH
    title = _TITLE.search(svg)
    return Chart(name, html.unescape(title[1]) if title else "", svg, width,
                 round(width * ratio))


def _query(period: Period, member: Member | None) -> dict[str, str]:
    return {"period": period.key} | ({"member": member.id} if member else {})
