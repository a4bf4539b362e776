"""Reports: where the money went in a period, aggregated in SQL (no Flask here).

    period = parse_period("2025-Q2", today=today)       # or date_from="2025-01", date_to=...
    report = build_report(book, period, member_id=None)  # a frozen Report of exact Decimals
    for insight in report.insights:
        text = render(insight, gettext, "pt_PT", report.currency)

See model.py for every field, period.py for the periods and insights.py for the sentences.
"""

from ourmoney.services.reports.build import build_report
from ourmoney.services.reports.insights import render
from ourmoney.services.reports.model import (
    BalancePoint,
    CategoryChange,
    CategoryRef,
    CategoryTotal,
    CategoryTrend,
    HeatMap,
    Insight,
    LargeTransaction,
    MonthFlow,
    PayeeTotal,
    Recurring,
    Report,
    Summary,
    UnusualMonth,
)
from ourmoney.services.reports.period import (
    InvalidPeriod,
    Period,
    between,
    current_month,
    parse_period,
)

__all__ = [
    "BalancePoint", "CategoryChange", "CategoryRef", "CategoryTotal", "CategoryTrend", "HeatMap",
    "Insight", "InvalidPeriod", "LargeTransaction", "MonthFlow", "PayeeTotal", "Period",
    "Recurring", "Report", "Summary", "UnusualMonth", "between", "build_report", "current_month",
    "parse_period", "render",
]
