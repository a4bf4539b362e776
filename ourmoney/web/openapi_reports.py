"""The OpenAPI description of GET /api/v1/reports: a period's totals, charts' data and insights."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
AMOUNT = r"^[0-9]+(\.[0-9]+)?$"
SIGNED = r"^-?[0-9]+(\.[0-9]+)?$"
COUNT = {"type": "integer", "minimum": 0}


def _text(description: str, **extra: Any) -> Schema:
    return {"type": "string", "description": description, **extra}


def _maybe(description: str, **extra: Any) -> Schema:
    return {"type": ["string", "null"], "description": description, **extra}


def _closed(properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _amount(description: str) -> Schema:
    return _text(description, pattern=AMOUNT)


def schemas() -> dict[str, Schema]:
    """Return the component schemas of a report."""
    category = {"$ref": "#/components/schemas/ReportCategory"}
    total = _closed({"category": category, "amount": _amount("Sum in the period."),
                     "share": _text("Fraction of the kind's total (0.2512 = 25.12 %).",
                                    pattern=AMOUNT), "count": COUNT})
    return {
        "ReportCategory": _closed({
            "id": _maybe("Category id; null for uncategorised."),
            "name": _maybe("Name; null for uncategorised."),
            "color": _text("Colour.", pattern=r"^#[0-9a-fA-F]{6}$")}),
        "Report": _closed({
            "period": _closed({"key": _text("The period as given: 2025, 2025-Q2, 2025-06 or"
                                             " 2025-01..2025-06."),
                               "kind": _text("Kind.", enum=["month", "quarter", "year",
                                                            "custom"]),
                               "from": _text("First day.", format="date"),
                               "to": _text("Last day.", format="date")}),
            "member": _maybe("The member the report is limited to, or null for everyone."),
            "currency": _text("ISO 4217 household currency.", pattern="^[A-Z]{3}$"),
            "months": _list(_text("YYYY-MM", pattern=r"^\d{4}-\d{2}$")),
            "totals": _closed({
                "income": _amount("Income."), "expense": _amount("Expense."),
                "balance": _text("Income minus expense.", pattern=SIGNED),
                "savings_rate": _maybe("Balance / income as a fraction; null without income.",
                                       pattern=SIGNED),
                "daily_spending": _amount("Expense per calendar day."), "count": COUNT}),
            "spending": _list(total), "earning": _list(total),
            "monthly": _list(_closed({"month": _text("YYYY-MM."), "income": _amount("Income."),
                                      "expense": _amount("Expense."),
                                      "balance": _text("Balance.", pattern=SIGNED)})),
            "balance": _list(_closed({"on": _text("End of the day or month.", format="date"),
                                      "balance": _text("Running balance since the period"
                                                       " began.", pattern=SIGNED)})),
            "trends": _list(_closed({"category": category,
                                     "amounts": _list(_amount("Expense of each month."))})),
            "heatmap": _closed({"by": _text("Rows are weeks of the month (1-5) or weekdays"
                                            " (0 = Monday).", enum=["week", "weekday"]),
                                "rows": _list({"type": "integer"}),
                                "categories": _list(category),
                                "cells": _list(_list(_amount("Expense of a row and category.")))}),
            "payees": _list(_closed({"description": _text("Description."),
                                     "amount": _amount("Expense."), "count": COUNT})),
            "largest": _list(_closed({"id": _text("Transaction id."),
                                      "occurred_on": _text("Day.", format="date"),
                                      "description": _text("Description."),
                                      "amount": _amount("Amount."), "category": category,
                                      "member": _maybe("Member name.")})),
            "recurring": _list(_closed({"description": _text("Description."),
                                        "amount": _amount("The amount each month."),
                                        "months": COUNT, "category": category})),
            "unusual": _list(_closed({"month": _text("YYYY-MM."), "category": category,
                                      "amount": _amount("Expense that month."),
                                      "mean": _amount("Mean of the six months before."),
                                      "threshold": _amount("Mean + 2 standard deviations.")})),
            "insights": _list(_closed({"kind": _text("What the sentence is about."),
                                       "text": _text("The sentence in English.")})),
        }),
    }


def paths(error: Schema) -> dict[str, Schema]:
    """Return the /reports path."""
    def query(name: str, description: str, **schema: Any) -> Schema:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": {"type": "string", **schema}}

    reply = {"description": "The report.",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}}
    problems = {str(code): {"description": text, "content": {"application/json": {
        "schema": error}}} for code, text in ((400, "A bad period."), (403, "Refused."),
                                               (404, "No such member."))}
    return {"/reports": {"get": {
        "operationId": "get_reports",
        "summary": "Where the money went in a period: totals, categories, months, insights.",
        "parameters": [
            query("period", "2025 (year), 2025-Q2 (quarter) or 2025-06 (month); the current"
                            " month when neither this nor from/to is given."),
            query("from", "First month of a custom period, YYYY-MM.", pattern=r"^\d{4}-\d{2}$"),
            query("to", "Last month of a custom period, YYYY-MM.", pattern=r"^\d{4}-\d{2}$"),
            query("member", "Member id or name; everyone when absent.")],
        "responses": {"200": reply, **problems}}}}
