"""The words banks put in their CSV headers, in the languages seen so far, by column role.

Header names are folded (no accents, lower case, words only) before they are compared, so
"Buchungsdatum", "Könyvelés dátuma" and "Af Bij" match "datum", "datuma" and "af bij".
"""

from __future__ import annotations

import re
import unicodedata

DIRECTIONS = (("af", "bij"), ("d", "k"), ("d", "c"), ("dr", "cr"), ("db", "cr"),
              ("debit", "credit"), ("debet", "credit"), ("s", "h"), ("soll", "haben"),
              ("-", "+"), ("out", "in"), ("withdrawal", "deposit"))
WORDS = {
    "date": ("date", "datum", "data", "fecha", "tag", "day", "dato", "datuma", "buchung",
             "booking date", "transaction date", "posted", "posting date", "started date",
             "kuupaev", "occurred on"),
    "amount": ("amount", "betrag", "bedrag", "suma", "summe", "summa", "montant", "importe",
               "importo", "valor", "osszeg", "umsatz", "kwota", "belopp", "belob", "amt",
               "sum", "value"),
    "debit": ("debit", "debits", "soll", "withdrawal", "withdrawals", "outflow", "money out",
              "paid out", "debet", "uitgaven", "ausgaben", "charges", "spent", "payments"),
    "credit": ("credit", "credits", "haben", "deposit", "deposits", "inflow", "money in",
               "paid in", "einnahmen", "income", "received", "receipts"),
    "direction": ("af bij", "d k", "d c", "c d", "creditdebet", "credit debit",
                  "debit credit", "dr cr", "cr dr", "soll haben", "s h", "direction",
                  "debet credit", "credit debet"),
    "payee": ("payee", "name", "naam", "naam omschrijving", "auftraggeber empfanger",
              "beguenstigter zahlungspflichtiger", "empfanger", "empfangername",
              "tegenrekeninghouder", "gavejas", "partner nev", "counterparty", "merchant",
              "recipient", "beneficiary", "payer", "transactions", "to account"),
    "description": ("description", "omschrijving", "beschreibung", "verwendungszweck",
                    "text", "umsatztext", "paaiskinimai", "note", "details", "particulars",
                    "narrative", "kozlemeny", "purpose", "concepto", "libelle"),
    "notes": ("memo", "notes", "mededelingen", "buchungstext", "info", "mutatiesoort",
              "megjegyzes", "memodet", "remarks", "comment", "comments", "betaalwijze"),
    "category": ("category", "categorie", "kategorie", "kategoria", "categoria", "kategori"),
    "bank_id": ("id", "transaction id", "transactionid", "referentie", "fitid",
                "transaction reference", "iraso nr", "entry reference", "reference number"),
    "fee": ("fee", "fees", "gebuhr", "gebuhren", "commission"),
}
COMPOUND = {"date": ("datum", "date", "buchung"), "amount": ("betrag", "bedrag", "amount")}
NOT_AMOUNT = ("balance", "saldo", "egyenleg", "kontostand", "likutis", "running",
              "available", "ursprungs", "converted", "original", "rate", "kurs", "fee")
VALUE_DATE = ("valut", "wertstell", "value", "completed", "settle")


def normalise(name: str) -> str:
    """Return a header name folded for matching: no accents, lower case, words only."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def match(key: str, role: str) -> int:
    """Score how well a normalised header names a role: 3 exact, 2 a word, 1 part of a word."""
    words = WORDS[role]
    if key in words:
        return 3
    padded = f" {key} "
    if any(f" {word} " in padded for word in words):
        return 2
    return 1 if any(part in key for part in COMPOUND.get(role, ())) else 0
