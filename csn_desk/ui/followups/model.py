"""The table model behind the follow-up queue: frozen rows from ``load_queue``; painting
only reads this cache."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from csn_desk.ui.followups.data import FollowUpItem
from csn_desk.vocab import vocab

COLUMNS = ("Due", "Status", "Person", "Service", "Site")
Index = QModelIndex | QPersistentModelIndex


def due_text(item: FollowUpItem) -> str:
    """Words, not colour: "Due today" / "3 days overdue"."""
    day = f"{item.follow_up_due:%d/%m/%Y}"
    if item.days_overdue <= 0:
        return f"{day} (due today)"
    unit = "day" if item.days_overdue == 1 else "days"
    return f"{day} ({item.days_overdue} {unit} overdue)"


def person_text(item: FollowUpItem) -> str:
    name = item.client_name or "Anonymous"
    return f"{name} [{'; '.join(item.flags)}]" if item.flags else name


SERVICE_COLUMN, PERSON_COLUMN, DUE_COLUMN = 3, 2, 0


class FollowUpTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[FollowUpItem] = []

    def set_rows(self, rows: Sequence[FollowUpItem]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> FollowUpItem:
        return self._rows[row]

    def row_of(self, referral_id: str) -> int:
        for i, item in enumerate(self._rows):
            if item.referral_id == referral_id:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def text(self, item: FollowUpItem, column: int) -> str:
        if column == 0:
            return due_text(item)
        if column == 1:
            return vocab("referral_statuses").label(item.status)
        if column == 2:
            return person_text(item)
        if column == 3:
            org = f" ({item.organisation_name})" if item.organisation_name else ""
            return (item.service_name or "Service not named") + org
        return item.site_name

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
