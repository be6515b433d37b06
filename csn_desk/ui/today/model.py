"""The table model behind the Today page's list of latest enquiries.

One ``QAbstractTableModel`` holding rows a query function returned (on the database thread);
``data()`` only reads that cache, so painting never touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from csn_desk.enquiries import EnquiryRow
from csn_desk.timefmt import to_uk, uk_datetime
from csn_desk.ui.rows_model import RowsTableModel
from csn_desk.vocab import vocab

COLUMNS = ("Received (UK time)", "Needs", "How", "Site", "Person")


def uk_time_text(row: EnquiryRow, today: date | None) -> str:
    local = to_uk(row.received_at)
    if today is not None and local.date() == today:
        return f"Today {local:%H:%M}"
    return uk_datetime(row.received_at)


class EnquiryTableModel(RowsTableModel):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._today: date | None = None

    def set_rows(self, rows: Sequence[EnquiryRow], today: date | None = None) -> None:
        self._today = today  # "Today 14:05" for today's rows
        super().set_rows(rows)

    def row_at(self, row: int) -> EnquiryRow:
        return self._rows[row]

    def text(self, row: EnquiryRow, column: int) -> str:
        if column == 0:
            return uk_time_text(row, self._today)
        if column == 1:
            needs = vocab("needs")
            return ", ".join(needs.label(c) for c in row.need_codes) or "No need recorded"
        if column == 2:
            return vocab("channels").label(row.channel)
        if column == 3:
            return row.site_name
        return "Client record" if row.has_client else "Anonymous"

