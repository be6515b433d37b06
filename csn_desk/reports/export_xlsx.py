"""Tallies as an Excel workbook (openpyxl): a sheet per table, a sheet of needs by month,
and a definitions sheet. Each table sheet has its header row frozen (and the row labels),
counts stored as numbers, hidden counts as the text "<5" or "*".

Every text cell is stored as text, never as a formula, whatever it starts with: a directory
name such as "=HYPERLINK(...)" stays a harmless string."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from csn_desk.reports.tables import Cell, Table
from csn_desk.reports.tallies import Tallies
from csn_desk.timefmt import uk_datetime
from csn_desk.vocab import vocab

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _text(ws: Worksheet, row: int, column: int, value: str, bold: bool = False) -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"  # a string, even if it starts with "="
    if bold:
        cell.font = BOLD


def _put(ws: Worksheet, row: int, column: int, cell: Cell, bold: bool = False) -> None:
    if cell.mark is not None or cell.value is None:
        _text(ws, row, column, "n/a" if cell.mark in (None, "-") else str(cell.mark), bold)
        ws.cell(row=row, column=column).alignment = Alignment(horizontal="right")
        return
    target = ws.cell(row=row, column=column)
    value = float(cell.value)
    places = cell.places if cell.places is not None else 0 if value.is_integer() else 1
    target.value = round(value, places) if places else int(value)
    target.number_format = "#,##0." + "0" * places if places else "#,##0"
    if bold:
        target.font = BOLD


def sheet_name(title: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:31] or "Table"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _table_sheet(wb: Workbook, table: Table, tallies: Tallies, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(table.title, taken))
    _text(ws, 1, 1, table.title, bold=True)
    for i, heading in enumerate(tallies.columns, start=2):
        _text(ws, 1, i, heading, bold=True)
        ws.cell(row=1, column=i).alignment = WRAP
    for r, row in enumerate(table.rows, start=2):
        _text(ws, r, 1, row.label, bold=row.total)
        for c, cell in enumerate(row.cells, start=2):
            _put(ws, r, c, cell, bold=row.total)
    last = len(table.rows) + 3
    _text(ws, last, 1, table.definition)
    if table.note:
        _text(ws, last + 1, 1, table.note)
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 60
    for letter in ("B", "C", "D"):
        ws.column_dimensions[letter].width = 22
    ws.row_dimensions[1].height = 45


def _trend_sheet(wb: Workbook, tallies: Tallies, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name("Needs by month", taken))
    needs = vocab("needs").terms
    headings = ["Month", "Enquiries", "All needs", *(t.label for t in needs)]
    for c, heading in enumerate(headings, start=1):
        _text(ws, 1, c, heading, bold=True)
        ws.cell(row=1, column=c).alignment = WRAP
    for r, month in enumerate(tallies.trend, start=2):
        _text(ws, r, 1, month.period.label)
        _put(ws, r, 2, month.enquiries)
        _put(ws, r, 3, month.needs)
        for c, term in enumerate(needs, start=4):
            _put(ws, r, c, month.by_need[term.code])
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 18
    ws.row_dimensions[1].height = 60


def _about_sheet(wb: Workbook, tallies: Tallies) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "About"
    lines = [("Report", tallies.title), ("Place", tallies.place),
             ("Organisation", tallies.organisation), ("Period", tallies.period.label),
             ("Compared with", f"{tallies.comparisons[1].label} and "
                               f"{tallies.comparisons[2].label}"),
             ("Produced", f"{uk_datetime(tallies.produced_at)} at {tallies.produced_by}"),
             ("Small numbers", "hidden (suppression applied)" if tallies.suppression_applied
              else ("hidden where needed (none needed hiding)" if tallies.suppressed
                    else "shown exactly: for use inside the organisation only"))]
    lines += [("Note", note) for note in tallies.notes]
    _text(ws, 1, 1, "About", bold=True)
    _text(ws, 1, 2, "", bold=True)
    for r, (label, value) in enumerate(lines, start=2):
        _text(ws, r, 1, label, bold=True)
        _text(ws, r, 2, value)
        ws.cell(row=r, column=2).alignment = WRAP
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100


def _definitions_sheet(wb: Workbook, tallies: Tallies, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name("Definitions", taken))
    _text(ws, 1, 1, "Term", bold=True)
    _text(ws, 1, 2, "What it means", bold=True)
    entries = list(tallies.definitions) + [(t.title, t.definition) for t in tallies.all_tables]
    for r, (term, meaning) in enumerate(entries, start=2):
        _text(ws, r, 1, term)
        _text(ws, r, 2, meaning)
        ws.cell(row=r, column=2).alignment = WRAP
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 100


def workbook_bytes(tallies: Tallies) -> bytes:
    wb = Workbook()
    taken = {"about"}
    _about_sheet(wb, tallies)
    for table in tallies.all_tables:
        _table_sheet(wb, table, tallies, taken)
    _trend_sheet(wb, tallies, taken)
    _definitions_sheet(wb, tallies, taken)
    wb.properties.creator = "csn-desk"
    wb.properties.title = tallies.title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
