"""Tallies as one CSV file: every table, one row per figure, safe to open in a spreadsheet.

Columns: table, row, then one per period (the period, the one before, a year earlier).
Counts are plain digits; hidden ones are "<5" or "*"; "n/a" where there is nothing to show.
A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by a spreadsheet (CSV injection), so such a cell gets a leading apostrophe;
directory names, which anyone with directory rights can edit, are the likely carrier.
"""

from __future__ import annotations

import csv
import io

from csn_desk.reports.tables import Cell
from csn_desk.reports.tallies import Tallies

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if text.startswith(DANGEROUS):
        return "'" + text
    return text


def cell_text(cell: Cell) -> str:
    if cell.mark is not None:
        return "n/a" if cell.mark == "-" else cell.mark
    if cell.value is None:
        return "n/a"
    value = float(cell.value)
    if cell.places is not None:
        return f"{value:.{cell.places}f}"
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def csv_rows(tallies: Tallies) -> list[list[str]]:
    rows: list[list[str]] = [["table", "row", *tallies.columns]]
    for table in tallies.all_tables:
        for row in table.rows:
            rows.append([table.title, row.label, *(cell_text(c) for c in row.cells)])
    for month in tallies.trend:
        rows.append(["Needs by month", month.period.label, cell_text(month.needs), "", ""])
    rows.append(["About these figures", "Place", tallies.place, "", ""])
    rows.append(["About these figures", "Period", tallies.period.label, "", ""])
    for note in tallies.notes:
        rows.append(["About these figures", "Note", note, "", ""])
    for term, meaning in tallies.definitions:
        rows.append(["Definitions", term, meaning, "", ""])
    for table in tallies.all_tables:
        rows.append(["Definitions", table.title, table.definition, "", ""])
    return [[safe(value) for value in row] for row in rows]


def csv_bytes(tallies: Tallies) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads accented names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(csv_rows(tallies))
    return buffer.getvalue().encode("utf-8-sig")
