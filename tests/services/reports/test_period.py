"""Report periods: months, quarters, years and from/to months; bad input is a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from ourmoney.services.reports import InvalidPeriod, Period, between, parse_period

TODAY = date(2025, 7, 15)


@pytest.mark.parametrize(("text", "kind", "start", "end", "months"), [
    ("2025-06", "month", date(2025, 6, 1), date(2025, 6, 30), 1),
    ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29), 1),
    ("2025-Q2", "quarter", date(2025, 4, 1), date(2025, 6, 30), 3),
    ("2025-q4", "quarter", date(2025, 10, 1), date(2025, 12, 31), 3),
    (" 2025 ", "year", date(2025, 1, 1), date(2025, 12, 31), 12),
    ("2024-11..2025-02", "custom", date(2024, 11, 1), date(2025, 2, 28), 4),
])
def test_named_periods(text: str, kind: str, start: date, end: date, months: int) -> None:
    period = parse_period(text, today=TODAY)
    assert (period.kind, period.start, period.end, len(period.months)) == (kind, start, end,
                                                                            months)
    assert parse_period(period.key, today=TODAY) == period


def test_default_is_the_current_month_and_from_to_is_custom() -> None:
    assert parse_period(None, today=TODAY) == Period("month", date(2025, 7, 1), date(2025, 7, 31))
    assert parse_period("", date_from=" ", date_to="", today=TODAY).key == "2025-07"
    custom = parse_period(date_from="2025-01", date_to="2025-06", today=TODAY)
    assert (custom.key, custom.days, custom.months[-1]) == ("2025-01..2025-06", 181, "2025-06")
    assert custom.previous() == Period("custom", date(2024, 7, 1), date(2024, 12, 31))
    assert between("2025-03", "2025-03").days == 31


@pytest.mark.parametrize(("args", "message", "field"), [
    ({"text": "2025-13"}, "There is no month 2025-13.", "period"),
    ({"text": "2025-Q5"}, "Period must be a month (2025-06), a quarter (2025-Q2) or a year"
                          " (2025).", "period"),
    ({"text": "June"}, "Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025).",
     "period"),
    ({"text": "<script>'; DROP TABLE x;--"}, "Period must be a month (2025-06), a quarter"
     " (2025-Q2) or a year (2025).", "period"),
    ({"text": "=1+1"}, "Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025).",
     "period"),
    ({"text": ["2025"]}, "Period must be a month (2025-06), a quarter (2025-Q2) or a year"
                         " (2025).", "period"),
    ({"text": 2025}, "Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025).",
     "period"),
    ({"text": "0000"}, "There is no month 0000-01.", "period"),
    ({"text": "2025", "date_from": "2025-01"}, "Give either a period or from/to months, not"
                                                " both.", "period"),
    ({"date_from": "2025-01"}, "A month must be written YYYY-MM, such as 2025-06.", "to"),
    ({"date_from": "2025-1", "date_to": "2025-02"}, "A month must be written YYYY-MM, such as"
                                                    " 2025-06.", "from"),
    ({"date_from": "2025-06", "date_to": "2025-01"}, "The last month must not be before the"
                                                      " first.", "to"),
    ({"date_from": "2000-01", "date_to": "2025-01"}, "A report covers at most 120 months.",
     "to"),
])
def test_bad_periods_are_clear_errors(args: dict[str, object], message: str,
                                      field: str) -> None:
    with pytest.raises(InvalidPeriod) as caught:
        parse_period(args.get("text"), date_from=args.get("date_from"),
                     date_to=args.get("date_to"), today=TODAY)
    assert (caught.value.message, caught.value.field, caught.value.status) == (message, field,
                                                                               400)
