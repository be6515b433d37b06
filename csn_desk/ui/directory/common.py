"""Pieces the directory dialogs share: an inline message line, a small editable table for a
service's lists (opening times, costs, places...), and typed-text parsing for its cells.

Cells are plain text so every value can be typed and read back by a screen reader; they are
checked when the entry is saved, and a problem names the table and the row."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLayout,
    QLayoutItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class CellProblem(ValueError):
    """A cell that does not read; the message is one sentence for the user."""


def parse_time(text: str, what: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    m = _TIME.match(text)
    try:
        if m:
            return time(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise CellProblem(f"{what}: write times like 09:30.")


def parse_date(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        if (m := _UK_DATE.match(text)) is not None:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise CellProblem(f"{what}: write dates like 24/12/2026.") from None


def parse_amount(text: str, what: str) -> float:
    cleaned = text.strip().removeprefix("£").replace(",", "").strip()
    if cleaned.casefold() == "free":
        return 0.0
    try:
        return float(cleaned)
    except ValueError:
        raise CellProblem(f"{what}: write the amount in pounds, like 3.50 (free is 0)."
                          ) from None


def show_time(value: time | None) -> str:
    return f"{value:%H:%M}" if value is not None else ""


def show_date(value: date | None) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value is not None else ""


class ListEditor(QWidget):
    """A small table to edit one of a service's lists, with Add and Remove buttons.

    ``choices`` gives, for some columns, the values offered in a drop-down."""

    def __init__(self, name: str, columns: Sequence[str],
                 choices: dict[int, Sequence[tuple[str, str]]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name, self.columns, self.choices = name, list(columns), choices or {}
        self.table = QTableWidget(0, len(self.columns))
        self.table.setAccessibleName(name)
        self.table.setHorizontalHeaderLabels(self.columns)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(120)
        self.fit_columns()
        self.add_button = QPushButton(f"Add {name.rstrip('s').lower()}")
        self.add_button.setAccessibleName(f"Add a row to {name}")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"Remove the chosen row from {name}")
        self.add_button.clicked.connect(self._add_blank)
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _add_blank(self) -> None:
        self.add_row()
        self.table.setFocus()

    def add_row(self, values: Sequence[str] = ()) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col in range(len(self.columns)):
            value = values[col] if col < len(values) else ""
            if col in self.choices:
                combo = QComboBox()
                combo.setAccessibleName(f"{self.name}, row {row + 1}, {self.columns[col]}")
                for code, label in self.choices[col]:
                    combo.addItem(label, code)
                combo.setCurrentIndex(max(0, combo.findData(value)))
                self.table.setCellWidget(row, col, combo)
            else:
                self.table.setItem(row, col, QTableWidgetItem(value))
        # Tall enough for a drop-down at the current text size (200% included).
        height = max(QComboBox().sizeHint().height(),
                     self.table.fontMetrics().height() + 14)
        self.table.setRowHeight(row, height)
        self.table.setCurrentCell(row, 0)
        return row

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.table.setRowCount(0)
        for values in rows:
            self.add_row(values)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Columns wide enough for what they hold and for a date typed in (10 characters)."""
        self.table.resizeColumnsToContents()
        em = self.table.fontMetrics().horizontalAdvance("m")
        for col in range(len(self.columns)):
            self.table.setColumnWidth(col, max(self.table.columnWidth(col), 7 * em))

    def cell(self, row: int, col: int) -> str:
        widget = self.table.cellWidget(row, col)
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def rows(self) -> list[tuple[int, list[str]]]:
        """(row number, cells as text) for each row; rows left wholly blank are skipped."""
        out = []
        for row in range(self.table.rowCount()):
            values = [self.cell(row, col) for col in range(len(self.columns))]
            typed = [v for c, v in enumerate(values) if c not in self.choices]
            if any(v.strip() for v in typed) or not typed:
                out.append((row, values))
        return out


def row_problem(table: str, row: int, problem: CellProblem | str) -> str:
    return f"{table}, row {row + 1}: {problem}"


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the row is full: a row of
    buttons that never makes the window wider than the screen at 200% text."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _place(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + self._gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line = max(line, hint.height())
        return y + line - rect.y()
