"""The reports dashboard (/reports) and the JSON shape of a report for /api/v1/reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from flask import Blueprint, render_template, request
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ourmoney.errors import N_, NotFound, OurMoneyError
from ourmoney.services import members
from ourmoney.services.reports import (
    CategoryRef,
    Period,
    Report,
    build_report,
    current_month,
    parse_period,
    render,
)
from ourmoney.services.reports.period import add_months, month_end
from ourmoney.web import context, i18n
from ourmoney.web.charts import Reader, report_charts

bp = Blueprint("reports", __name__)


@bp.app_template_filter("share")
def share(fraction: Decimal | None) -> str:
    """Format a fraction (0.2512) as a percentage for the current language ("25.1%")."""
    if fraction is None:
        return "–"
    return str(format_percent(fraction, "#,##0.#%", locale=i18n.format_locale()))


@dataclass(frozen=True)
class ReportRequest:
    """What a request asks for: a period and maybe one member."""

    period: Period
    member_id: str | None


def report_request(args: MultiDict[str, str]) -> ReportRequest:
    """Read ?period= (or ?from=&to=) and ?member= (id or name), refusing bad values."""
    period = parse_period(args.get("period"), date_from=args.get("from"),
                          date_to=args.get("to"), today=context.today())
    given = (args.get("member") or "").strip()
    if not given:
        return ReportRequest(period, None)
    found = members.resolve(context.book(), given)
    if found is None:
        raise NotFound(N_("There is no member called %(name)s."), field="member", name=given)
    return ReportRequest(period, found.id)


@bp.get("/reports")
def get_reports() -> tuple[str, int]:
    book = context.book()
    error, status = None, 200
    try:
        wanted = report_request(request.args)
    except OurMoneyError as problem:
        error, status = problem, problem.status
        wanted = ReportRequest(current_month(context.today()), None)
    report = build_report(book, wanted.period, wanted.member_id, context.today())
    reader = Reader(gettext, i18n.format_locale(), report.currency)
    # Safe: charts.py serialises with ElementTree, so text people typed is escaped.
    charts = {name: Markup(svg) for name, svg in report_charts(report, reader).items()}
    return render_template(
        "reports/index.html", report=report, charts=charts, error=error,
        insights=[render(i, gettext, reader.locale, report.currency) for i in report.insights],
        members=members.list_members(book, counts=False), shortcuts=shortcuts(wanted.period),
        args=request.args, month_name=reader.month), status


def shortcuts(period: Period) -> dict[str, str]:
    """Return the period keys of the quick links: this month, the one before and after..."""
    today = context.today()
    this = current_month(today)
    last_month = add_months(this.start, -1)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return {"previous": _step(period, -1), "next": _step(period, 1), "this_month": this.key,
            "last_month": f"{last_month.year:04d}-{last_month.month:02d}",
            "this_quarter": quarter, "this_year": str(today.year),
            "last_year": str(today.year - 1)}


def _step(period: Period, direction: int) -> str:
    count = len(period.months)
    start = add_months(period.start, direction * count)
    return Period(period.kind, start, month_end(add_months(start, count - 1))).key


def report_json(report: Report) -> dict[str, Any]:
    """Return a report as JSON: amounts and shares as decimal strings, never numbers."""
    s = report.summary
    return {
        "period": {"key": report.period.key, "kind": report.period.kind,
                   "from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "member": report.member_id, "currency": report.currency, "months": list(report.months),
        "totals": {"income": _d(s.income), "expense": _d(s.expense), "balance": _d(s.balance),
                   "savings_rate": _d(s.savings_rate), "daily_spending": _d(s.daily_spending),
                   "count": s.count},
        "spending": [_total(t) for t in report.spending],
        "earning": [_total(t) for t in report.earning],
        "monthly": [{"month": m.month, "income": _d(m.income), "expense": _d(m.expense),
                     "balance": _d(m.balance)} for m in report.monthly],
        "balance": [{"on": p.on.isoformat(), "balance": _d(p.balance)} for p in report.balance],
        "trends": [{"category": _category(t.category), "amounts": [_d(a) for a in t.amounts]}
                   for t in report.trends],
        "heatmap": {"by": report.heatmap.by, "rows": list(report.heatmap.rows),
                    "categories": [_category(c) for c in report.heatmap.categories],
                    "cells": [[_d(a) for a in row] for row in report.heatmap.cells]},
        "payees": [{"description": p.description, "amount": _d(p.amount), "count": p.count}
                   for p in report.payees],
        "largest": [{"id": t.id, "occurred_on": t.occurred_on.isoformat(),
                     "description": t.description, "amount": _d(t.amount),
                     "category": _category(t.category), "member": t.member}
                    for t in report.largest],
        "recurring": [{"description": r.description, "amount": _d(r.amount),
                       "months": r.months, "category": _category(r.category)}
                      for r in report.recurring],
        "unusual": [{"month": u.month, "category": _category(u.category), "amount": _d(u.amount),
                     "mean": _d(u.mean), "threshold": _d(u.threshold)} for u in report.unusual],
        "insights": [{"kind": i.kind, "text": str(i.message)} for i in report.insights],
    }


def _total(item: Any) -> dict[str, Any]:
    return {"category": _category(item.category), "amount": _d(item.amount),
            "share": _d(item.share), "count": item.count}


def _category(category: CategoryRef) -> dict[str, Any]:
    return {"id": category.id or None, "name": category.name, "color": category.color}


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
