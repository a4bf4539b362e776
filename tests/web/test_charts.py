"""Report charts: valid SVG with the expected series, no script or style, hostile names as text."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml.ElementTree import fromstring

from ourmoney.services import ledger
from ourmoney.services.book import Book
from ourmoney.services.reports import build_report, parse_period
from ourmoney.web.charts import SVG, Reader, report_charts
from tests.services.reports.ledger import build
from tests.support.books import draft

READER = Reader(lambda text: text, "en", "EUR")
HOSTILE = "<script>alert(1)</script>"


def titles(svg: str) -> list[str]:
    return [t.text or "" for t in fromstring(svg).iter(f"{{{SVG}}}title")]


def test_every_chart_is_valid_svg_without_script_or_style(book: Book) -> None:
    build(book)
    charts = report_charts(build_report(book, parse_period("2025-Q2", today=date(2025, 7, 1))),
                           READER)
    assert set(charts) == {"spending", "income_expense", "balance", "trends", "heatmap",
                           "payees"}
    for svg in charts.values():
        root = fromstring(svg)
        assert root.tag == f"{{{SVG}}}svg"
        tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
        assert not tags & {"script", "style", "foreignObject"}
        assert not any("style" in element.attrib or any(a.startswith("on") for a in
                                                        element.attrib)
                       for element in root.iter())


def test_charts_carry_the_series_and_values(book: Book) -> None:
    build(book)
    charts = report_charts(build_report(book, parse_period("2025-Q2", today=date(2025, 7, 1))),
                           READER)
    assert titles(charts["spending"]) == ["Spending by category", "Housing: €2,400.00",
                                          "Groceries: €700.00", "Uncategorised: €10.00"]
    bars = titles(charts["income_expense"])
    assert {"Income · Apr 25: €2,000.00", "Expense · Jun 25: €1,210.00"} <= set(bars)
    assert "Balance · Jun 25: €2,890.00" in titles(charts["balance"])
    assert "Groceries · May 25: €200.00" in titles(charts["trends"])
    assert "Expense · Rent: €2,400.00" in titles(charts["payees"])
    assert "Housing · Wed: €800.00" in titles(charts["heatmap"])  # 2 April 2025, rent
    assert 'fill="#' in charts["spending"]


def test_hostile_category_names_stay_text(book: Book) -> None:
    ledger.add_transaction(book, draft(HOSTILE, "5.00", on=date(2025, 3, 3), category=HOSTILE))
    charts = report_charts(build_report(book, parse_period("2025-03", today=date(2025, 7, 1))),
                           READER)
    for name in ("spending", "trends", "heatmap", "payees"):
        assert "<script" not in charts[name]
        assert "&lt;script&gt;" in charts[name]
    assert f"{HOSTILE}: €5.00" in titles(charts["spending"])


@pytest.mark.parametrize("period", ["2024-01", "2030"])
def test_no_charts_for_an_empty_period(book: Book, period: str) -> None:
    assert report_charts(build_report(book, parse_period(period, today=date(2025, 1, 1))),
                         READER) == {}
