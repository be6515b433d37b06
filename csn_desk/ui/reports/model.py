"""Table models for the Reports page: the rows of one tallies table (label and the three
periods), and the months of the needs chart. Both only read frozen rows the service
returned; numbers are right-aligned and total rows bold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from csn_desk.reports.tables import Row
from csn_desk.reports.tallies import TrendMonth
from csn_desk.ui.rows_model import Index, RowsTableModel


class TallyTableModel(RowsTableModel):
    """One tallies table: a label column, then the period and its two comparisons."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ("Figure", "This period", "Period before", "A year earlier")

    def set_table(self, first_heading: str, headings: Sequence[str],
                  rows: Sequence[Row]) -> None:
        self.columns = (first_heading, *headings)
        self.set_rows(rows)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def text(self, row: Row, column: int) -> str:
        if column == 0:
            return row.label
        return row.cells[column - 1].text

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row: Row = self.row_at(index.row())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole and index.column() > 0:
            return f"{row.label}, {self.columns[index.column()]}: {self.text(row, index.column())}"
        return super().data(index, role)


class TrendTableModel(RowsTableModel):
    """Needs by month: month, enquiries, needs (all, or of the chosen category)."""

    columns = ("Month", "Enquiries", "Needs recorded")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.need: str | None = None

    def set_months(self, months: Sequence[TrendMonth], need: str | None,
                   need_label: str) -> None:
        self.need = need
        self.columns = ("Month", "Enquiries", need_label)
        self.set_rows(months)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)

    def text(self, row: TrendMonth, column: int) -> str:
        if column == 0:
            return row.period.label
        if column == 1:
            return row.enquiries.text
        cell = row.by_need[self.need] if self.need else row.needs
        return cell.text

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)
