"""The review list: entries that need attention, each reason in words. Anyone may run it;
coordinators and administrators can mark an entry checked, open it to edit, or merge a
possible duplicate."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.permissions import can_edit
from csn_desk.directory.review import ReviewItem, mark_checked, review_list
from csn_desk.ui.directory.common import FlowLayout, show_date
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.rows_model import RowsTableModel, rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

WHY = {"not_checked": "Needs checking", "alert_expired": "Alert ended",
       "no_contact": "No contact route", "inactive_referred": "Inactive, still referred to",
       "possible_duplicate": "Possible duplicate"}


class ReviewModel(RowsTableModel):
    columns = ("Service", "Organisation", "Last checked", "Why")

    def text(self, row: Any, column: int) -> str:
        item: ReviewItem = row
        if column == 0:
            return item.name
        if column == 1:
            return item.organisation
        if column == 2:
            return show_date(item.last_checked) or "Never"
        return "; ".join(WHY[c] for c in item.codes)


class ReviewDialog(QDialog):
    edit_requested = Signal(str)  # a service id
    merge_requested = Signal(str, str)  # the chosen service and its possible duplicate

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.today = ws, runner, today
        self.items: list[ReviewItem] = []
        self.loads = 0
        self.setWindowTitle("Directory review list")
        self.setMinimumSize(640, 420)
        self.status = QLabel("Finding entries that need attention...")
        self.status.setWordWrap(True)
        self.model = ReviewModel(self)
        self.table = rows_table(self.model, "Entries to review")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._current())
        self.reasons = QLabel("")
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Why this entry needs attention")
        self.message = MessageLine()
        self.refresh_button = QPushButton("&Refresh")
        self.checked_button = QPushButton("&Mark as checked")
        self.edit_button = QPushButton("&Edit...")
        self.merge_button = QPushButton("Mer&ge...")
        self.close_button = QPushButton("C&lose")
        self.refresh_button.clicked.connect(self.load)
        self.checked_button.clicked.connect(self.mark_current_checked)
        self.edit_button.clicked.connect(self._edit)
        self.merge_button.clicked.connect(self._merge)
        self.close_button.clicked.connect(self.accept)
        editor = can_edit(ws)
        for b in (self.checked_button, self.edit_button, self.merge_button):
            b.setVisible(editor)
        row = FlowLayout()
        for b in (self.checked_button, self.edit_button, self.merge_button,
                  self.refresh_button, self.close_button):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.reasons, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self._current()
        self.load()

    def load(self) -> None:
        ws, today = self.ws, self.today
        self.runner.run_db(lambda _s: review_list(ws, today), on_done=self._show,
                           on_error=lambda s: self.message.say(s, error=True), owner=self)

    def _show(self, items: list[ReviewItem]) -> None:
        self.loads += 1
        self.items = items
        self.model.set_rows(items)
        self.table.resizeColumnsToContents()
        em = self.table.fontMetrics().horizontalAdvance("m")
        for col in (0, 1):  # long names wrap in the reasons below instead
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 18 * em))
        self.status.setText(f"{len(items):,} entr{'ies' if len(items) != 1 else 'y'} need "
                            "attention." if items else "Nothing needs attention: every "
                            "entry is checked and complete.")
        if items:
            self.table.selectRow(0)
        self._current()

    def current(self) -> ReviewItem | None:
        row = self.table.currentIndex().row()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _current(self) -> None:
        item = self.current()
        self.reasons.setText("\n".join(item.reasons) if item else "")
        for b in (self.checked_button, self.edit_button):
            b.setEnabled(item is not None)
        self.merge_button.setEnabled(bool(item and item.duplicate_of))

    def mark_current_checked(self) -> None:
        item = self.current()
        if item is None:
            return
        ws, today = self.ws, self.today
        self.runner.run_db(lambda _s: mark_checked(ws, item.service_id, today=today),
                           on_done=lambda _r: self._checked(item), owner=self,
                           on_error=lambda s: self.message.say(s, error=True))

    def _checked(self, item: ReviewItem) -> None:
        self.message.say(f"'{item.name}' marked as checked today.")
        self.runner.notify_changed("directory")
        self.load()

    def _edit(self) -> None:
        item = self.current()
        if item is not None:
            self.edit_requested.emit(item.service_id)

    def _merge(self) -> None:
        item = self.current()
        if item is not None and item.duplicate_of:
            self.merge_requested.emit(item.service_id, item.duplicate_of[0])
