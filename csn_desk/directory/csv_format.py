"""The directory as a plain CSV: one row per service, and the cell formats that hold a
service's lists (opening times, closures, costs, categories, areas, more places).

A list cell holds one item per line; the parts of an item are separated by ``|``, e.g.
``Monday|09:30|12:00`` (day, opens, closes, then optionally valid from, valid to, note).
Parts that contain ``|``, quotes or line breaks are quoted as in CSV, so any text survives a
round trip. On import, simpler forms people type are accepted too: ``Mon 09:30-12:00``,
``£13.00 per session``, ``Free``, and ``;`` between items on one line.

Spreadsheet formulas: a cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab is written
with a leading apostrophe, so Excel shows it as text instead of running it; the import
removes that apostrophe again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Literal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (and reversible by ``unescape_formula``)."""
    if value.startswith(FORMULA_START) or (value.startswith("'") and value[1:2] and (
            value[1:].startswith(FORMULA_START) or value[1] == "'")):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    if value.startswith("'") and value[1:2] and (
            value[1:].startswith(FORMULA_START) or value[1] == "'"):
        return value[1:]
    return value


def looks_like_formula(value: str) -> bool:
    """A cell a spreadsheet would run (``=SUM(...)``, ``@cmd``): imported as plain text, and
    the report says so."""
    return value.startswith(("=", "@"))


def _join(items: list[list[str]], quoting: Literal[0, 1, 2, 3]) -> str:
    buffer = io.StringIO()
    w = csv.writer(buffer, delimiter="|", quotechar='"', lineterminator="\n",
                   quoting=quoting, strict=True)
    for parts in items:
        w.writerow(parts)
    return buffer.getvalue().removesuffix("\n")


def join_items(items: Iterable[Sequence[str]]) -> str:
    """Items (each a list of parts) as one cell; trailing empty parts are left off."""
    rows = []
    for item in items:
        parts = list(item)
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        rows.append(parts or [""])
    cell = _join(rows, csv.QUOTE_MINIMAL)
    if ";" in cell and not any(c in cell for c in '|"\n'):
        cell = _join(rows, csv.QUOTE_ALL)  # or the import would split it at the ';'
    return cell


def split_items(cell: str) -> list[list[str]]:
    """A list cell's items, each a list of parts. Raises ValueError for broken quoting."""
    if not cell.strip():
        return []
    if "|" not in cell and '"' not in cell and "\n" not in cell and ";" in cell:
        return [[part.strip()] for part in cell.split(";") if part.strip()]
    reader = csv.reader(io.StringIO(cell), delimiter="|", quotechar='"', strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValueError(str(exc)) from None
    return [row for row in rows if row]


def number_text(value: float) -> str:
    """Money and coordinates: two decimals when that is exact, otherwise every digit."""
    short = f"{value:.2f}"
    return short if float(short) == value else repr(value)


_FREE_FORM_TIMES = re.compile(
    r"^(?P<day>[A-Za-z]+)\s+(?P<opens>\d{1,2}[:.]\d{2})\s*(?:-|–|to)\s*"
    r"(?P<closes>\d{1,2}[:.]\d{2})(?:\s+(?P<note>.*))?$")
_FREE_FORM_COST = re.compile(r"^£?\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<option>.*)$")


def opening_parts(item: list[str]) -> list[str]:
    """``["Mon 09:30-12:00"]`` -> ``["Mon", "09:30", "12:00"]``; canonical items as they are."""
    if len(item) == 1 and (m := _FREE_FORM_TIMES.match(item[0].strip())):
        return [m["day"], m["opens"], m["closes"], "", "", m["note"] or ""]
    return item


def cost_parts(item: list[str]) -> list[str]:
    """``["£13.00 per session"]`` -> ``["13.00", "per session"]``; ``["Free"]`` -> ``["0"]``."""
    if len(item) == 1:
        text = item[0].strip()
        if text.casefold() == "free":
            return ["0"]
        try:
            float(text)
            return item  # just an amount, as our export writes it
        except ValueError:
            pass
        if (m := _FREE_FORM_COST.match(text)) is not None:
            return [m["amount"], m["option"].strip()]
    return item
