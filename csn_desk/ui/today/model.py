"""The table model behind the Today page's list of latest enquiries.

One ``QAbstractTableModel`` holding rows a query function returned (on the database thread);
``data()`` only reads that cache, so painting never touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from csn_desk.enquiries import EnquiryRow
from csn_desk.timefmt import to_uk, uk_datetime
from csn_desk.vocab import vocab

COLUMNS = ("Received (UK time)", "Needs", "How", "Site", "Person")
Index = QModelIndex | QPersistentModelIndex


def uk_time_text(row: EnquiryRow, today: date | None) -> str:
    local = to_uk(row.received_at)
    if today is not None and local.date() == today:
        return f"Today {local:%H:%M}"
    return uk_datetime(row.received_at)


class EnquiryTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[EnquiryRow] = []
        self._today: date | None = None

    def set_rows(self, rows: Sequence[EnquiryRow], today: date | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._today = today
        self.endResetModel()

    def row_at(self, row: int) -> EnquiryRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            return self.text(self._rows[index.row()], index.column())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None
