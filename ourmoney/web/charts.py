"""Report charts as server-side SVG: pygal draws, then the SVG is made safe for the page.

No Flask here. pygal's output carries an inline <script> and <style>, which the page's CSP
forbids, so both are removed; colours become SVG presentation attributes (category colours,
allowed by the CSP and overridable by static/css/reports.css for dark mode), and every value
gets an SVG <title> so hovering shows it without JavaScript. Text people typed (category
names, descriptions) goes through the XML serialiser, so `<script>` in a name stays text.
The heat map is drawn directly (pygal has no heat map).
"""

from __future__ import annotations

import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from babel.dates import format_date, get_day_names
from babel.numbers import format_compact_currency, format_currency
from defusedxml.ElementTree import fromstring

from ourmoney.services.reports import Report
from ourmoney.services.reports.insights import category_name

if TYPE_CHECKING:
    from pygal.graph.graph import Graph
    from pygal.style import Style

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
INCOME_COLOR, EXPENSE_COLOR, BALANCE_COLOR = "#2e8b57", "#c0392b", "#4363d8"
INK, GUIDE = "#555555", "#bbbbbb"
FONT_SIZE = 14  # as in _style, so pygal's layout leaves room for the labels
TRENDS = 6  # categories drawn in the trends chart; more lines are unreadable


@dataclass(frozen=True)
class Reader:
    """Who the charts are for: their language (gettext), locale and the household currency."""

    gettext: Callable[[str], str]
    locale: str
    currency: str

    def money(self, amount: Decimal | float | None) -> str:
        """Format an amount for a label."""
        return str(format_currency(Decimal(str(amount or 0)), self.currency, locale=self.locale))

    def short_money(self, amount: Decimal | float | None) -> str:
        """Format an amount for an axis: "€1.2K"."""
        return str(format_compact_currency(Decimal(str(amount or 0)), self.currency,
                                           locale=self.locale, fraction_digits=1))

    def month(self, month: str, pattern: str = "LLL yy") -> str:
        """Format "YYYY-MM" as a short month name."""
        return str(format_date(date.fromisoformat(month + "-01"), pattern, locale=self.locale))


def report_charts(report: Report, reader: Reader) -> dict[str, str]:
    """Return every chart of a report as SVG text, by name; none for an empty period."""
    if report.is_empty:
        return {}
    charts = {"income_expense": income_expense(report, reader),
              "balance": balance(report, reader), "heatmap": heatmap(report, reader)}
    if report.spending:
        charts["spending"] = spending(report, reader)
        charts["trends"] = trends(report, reader)
    if report.payees:
        charts["payees"] = payees(report, reader)
    return charts


def _style(colors: Sequence[str]) -> Style:
    from pygal.style import Style

    return Style(colors=tuple(colors) or ("#888888",), background="transparent",
                 plot_background="transparent", font_family="inherit",
                 label_font_size=14, major_label_font_size=14, legend_font_size=14,
                 value_font_size=14, tooltip_font_size=14)


def _chart(kind: str, reader: Reader, colors: Sequence[str], **options: object) -> Graph:
    """Return an empty pygal chart of `kind` ("Pie", "Bar", ...) in the report's style."""
    import pygal  # here, on the first chart: importing it adds ~0.1 s to every app start

    # pygal installs an old-style import hook (for its map plugins, unused here) that makes
    # every later failed import warn (an error under pytest); take it out again.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    settings: dict[str, object] = {
        "js": [], "disable_xml_declaration": True, "style": _style(colors), "width": 600,
        "height": 320, "truncate_label": -1, "show_legend": False, "formatter": reader.money,
        "value_formatter": reader.short_money, "show_x_guides": False, "margin": 10}
    chart: Graph = getattr(pygal, kind)(**{**settings, **options})
    return chart


def spending(report: Report, reader: Reader) -> str:
    """Spending by category: a doughnut, one slice per category."""
    colors = [item.category.color for item in report.spending]
    chart = _chart("Pie", reader, colors, inner_radius=0.45, height=320, width=320)
    for item in report.spending:
        chart.add(category_name(item.category), [item.amount])
    return _safe(chart, reader.gettext("Spending by category"), colors, reader)


def income_expense(report: Report, reader: Reader) -> str:
    """Income and expense side by side, per month."""
    colors = [INCOME_COLOR, EXPENSE_COLOR]
    chart = _chart("Bar", reader, colors, y_labels_major_count=5,
                   x_label_rotation=40 if len(report.months) > 6 else 0)
    chart.x_labels = [reader.month(m) for m in report.months]
    chart.add(reader.gettext("Income"), [m.income for m in report.monthly])
    chart.add(reader.gettext("Expense"), [m.expense for m in report.monthly])
    return _safe(chart, reader.gettext("Income and expense per month"), colors, reader)


def balance(report: Report, reader: Reader) -> str:
    """The running balance (income minus expense since the period began)."""
    colors = [BALANCE_COLOR]
    by_day = len(report.balance) > len(report.months)
    chart = _chart("Line", reader, colors, show_dots=not by_day,
                   x_label_rotation=40 if len(report.months) > 6 else 0,
                   x_labels_major_every=7 if by_day else None, show_minor_x_labels=not by_day)
    chart.x_labels = [str(point.on.day) if by_day else reader.month(point.label)
                      for point in report.balance]
    chart.add(reader.gettext("Balance"), [point.balance for point in report.balance])
    return _safe(chart, reader.gettext("Running balance"), colors, reader)


def trends(report: Report, reader: Reader) -> str:
    """The largest categories' spending month by month."""
    shown = report.trends[:TRENDS]
    colors = [trend.category.color for trend in shown]
    chart = _chart("Line", reader, colors,
                   x_label_rotation=40 if len(report.months) > 6 else 0)
    chart.x_labels = [reader.month(m) for m in report.months]
    for trend in shown:
        chart.add(category_name(trend.category), list(trend.amounts))
    return _safe(chart, reader.gettext("Category trends"), colors, reader)


def payees(report: Report, reader: Reader) -> str:
    """Where the money went by description: a horizontal bar per payee."""
    colors = [EXPENSE_COLOR]
    chart = _chart("HorizontalBar", reader, colors, height=60 + 34 * len(report.payees))
    chart.x_labels = [payee.description[:32] for payee in reversed(report.payees)]
    chart.add(reader.gettext("Expense"), [payee.amount for payee in reversed(report.payees)])
    return _safe(chart, reader.gettext("Top payees"), colors, reader)


def _safe(chart: Graph, title: str, colors: Sequence[str], reader: Reader,
          fill_opacity: str = "0.85") -> str:
    """Render, then drop script and style, colour by attribute and add hover titles."""
    root = fromstring(chart.render(is_unicode=True))
    root.set("id", "chart-" + uuid.uuid4().hex[:12])
    root.set("role", "img")
    for parent in list(root.iter()):
        for child in list(parent):
            if _drop(child):
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
        _paint(element, colors, fill_opacity)
    _anchor_labels(root)
    _titles(root, chart)
    heading = root.find(f"{{{SVG}}}title")
    if heading is not None:
        heading.text = title
    return ET.tostring(root, encoding="unicode")


def _drop(element: ET.Element) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    classes = element.get("class", "").split()
    return (not tag or tag.endswith(("}script", "}style")) or "tooltip-overlay" in classes
            or "text-overlay" in classes)


def _paint(element: ET.Element, colors: Sequence[str], fill_opacity: str) -> None:
    classes = element.get("class", "").split()
    tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
    color = next((colors[int(c[6:]) % len(colors)] for c in classes
                  if c.startswith("color-") and c[6:].isdigit()), None)
    if color and ("series" in classes or tag == "rect"):
        element.set("fill", color)
        element.set("stroke", color)
    if "line" in classes and "reactive" in classes:  # a series line: stroke only, or area
        element.set("fill-opacity", fill_opacity if "nofill" not in classes else "0")
        element.set("stroke-width", "2")
    elif "reactive" in classes and tag in ("rect", "path"):
        element.set("fill-opacity", fill_opacity)
    if tag == "path" and ("guide" in classes or "axis" in classes
                          or ("line" in classes and "reactive" not in classes)):
        element.set("stroke", GUIDE)
        element.set("fill", "none")
    if "background" in classes:
        element.set("fill", "none")
    if tag == "text" and not element.get("fill"):
        element.set("fill", INK)
        element.set("font-size", str(FONT_SIZE))


def _anchor_labels(root: ET.Element) -> None:
    """Align axis labels as pygal's (removed) stylesheet did: y at the end, x centred."""
    for axis in root.iter(f"{{{SVG}}}g"):
        classes = axis.get("class", "").split()
        if "axis" not in classes:
            continue
        for text in axis.iter(f"{{{SVG}}}text"):
            if "y" in classes:
                text.set("text-anchor", "end")
            elif text.get("transform"):
                text.set("text-anchor", "end" if "backwards" in text.get("class", "") else
                         "start")
            else:
                text.set("text-anchor", "middle")


def _titles(root: ET.Element, chart: Graph) -> None:
    """Give each drawn value an SVG <title>: "Series · label: value"."""
    names = [str(values[1].get("title", "")) if len(values) > 1 and isinstance(values[1], dict)
             else "" for values in chart.raw_series]
    for series in root.iter(f"{{{SVG}}}g"):
        classes = series.get("class", "").split()
        if "series" not in classes:
            continue
        index = next((int(c[6:]) for c in classes if c.startswith("serie-")), 0)
        name = names[index] if index < len(names) else ""
        for group in series.iter(f"{{{SVG}}}g"):
            _title_of(group, name)


def _title_of(group: ET.Element, series_name: str) -> None:
    value = group.find(f"{{{SVG}}}desc[@class='value']")
    if value is None:
        return
    label = group.find(f"{{{SVG}}}desc[@class='x_label']")
    parts = [p for p in (series_name, label.text if label is not None else "") if p]
    title = ET.Element(f"{{{SVG}}}title")
    title.text = f"{' · '.join(parts)}: {value.text}" if parts else (value.text or "")
    group.insert(0, title)


def heatmap(report: Report, reader: Reader) -> str:
    """Spending by week of month (or weekday) and category: darker is more."""
    grid = report.heatmap
    rows = _row_names(grid.by, grid.rows, reader)
    columns = grid.categories[:8]
    cell_w, cell_h, left, top = 64, 30, 60, 96
    width, height = left + cell_w * max(len(columns), 1) + 90, top + cell_h * len(rows) + 10
    svg = ET.Element(f"{{{SVG}}}svg", {"viewBox": f"0 0 {width} {height}", "role": "img",
                                      "class": "heatmap", "width": str(width),
                                      "height": str(height)})
    ET.SubElement(svg, f"{{{SVG}}}title").text = reader.gettext("When the money goes")
    top_value = max((cell for row in grid.cells for cell in row[:len(columns)]),
                    default=Decimal(0))
    for c, category in enumerate(columns):
        _text(svg, left + c * cell_w + cell_w / 3, top - 8, category_name(category)[:12],
              rotate=True)
    for r, row_name in enumerate(rows):
        _text(svg, left - 8, top + r * cell_h + cell_h / 2 + 5, row_name, anchor="end")
        for c, category in enumerate(columns):
            amount = grid.cells[r][c]
            share = amount / top_value if top_value else Decimal(0)
            opacity = Decimal("0.08") + share * Decimal("0.92")
            cell = ET.SubElement(svg, f"{{{SVG}}}rect", {
                "x": str(left + c * cell_w + 1), "y": str(top + r * cell_h + 1),
                "width": str(cell_w - 2), "height": str(cell_h - 2), "rx": "3",
                "fill": category.color, "fill-opacity": f"{opacity:.2f}",
                "class": "cell"})
            ET.SubElement(cell, f"{{{SVG}}}title").text = (
                f"{category_name(category)} · {row_name}: {reader.money(amount)}")
    return ET.tostring(svg, encoding="unicode")


def _row_names(by: str, rows: Sequence[int], reader: Reader) -> list[str]:
    if by == "week":
        return [reader.gettext("Week %(number)s") % {"number": n} for n in rows]
    names = get_day_names("abbreviated", locale=reader.locale)
    return [str(names[n]) for n in rows]


def _text(parent: ET.Element, x: float, y: float, text: str, *, anchor: str = "start",
          rotate: bool = False) -> None:
    attributes = {"x": f"{x:.0f}", "y": f"{y:.0f}", "text-anchor": anchor, "fill": INK,
                  "font-size": str(FONT_SIZE)}
    if rotate:
        attributes["transform"] = f"rotate(-35 {x:.0f} {y:.0f})"
    ET.SubElement(parent, f"{{{SVG}}}text", attributes).text = text
