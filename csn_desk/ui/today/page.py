"""The Today page: how many enquiries today, follow-ups due, and the latest enquiries.

Everything is loaded through the task runner's database thread; the page shows "Loading..."
meanwhile and a plain sentence if loading fails."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.timefmt import long_date
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.ui.today.data import TodaySummary, load_today
from csn_desk.ui.today.model import EnquiryTableModel
from csn_desk.workspace import Workspace


def _count_text(count: int, capped: bool) -> str:
    return f"{count}+" if capped else str(count)


class TodayPage(QWidget):
    new_enquiry_requested = Signal()  # the main window shows the New enquiry page

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.summary: TodaySummary | None = None
        self.loads = 0  # completed loads, for tests and the status line

        self.heading = QLabel("Today")
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.date_label = QLabel("")
        self.date_label.setWordWrap(True)
        self.enquiries_today = QLabel("Enquiries today: loading...")
        self.enquiries_today.setObjectName("figure")
        self.follow_ups = QLabel("Follow-ups due by today: loading...")
        self.follow_ups.setObjectName("figure")
        for label in (self.enquiries_today, self.follow_ups):
            label.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.backup_reminder = QLabel("")  # administrators: the last backup is old
        self.backup_reminder.setObjectName("errorMessage")
        self.backup_reminder.setWordWrap(True)
        self.backup_reminder.setVisible(False)
        self.new_enquiry_button = QPushButton("&New enquiry")
        self.new_enquiry_button.setToolTip("Log a new enquiry (Ctrl+2)")
        self.new_enquiry_button.setAccessibleName("Start a new enquiry")
        self.new_enquiry_button.clicked.connect(self.new_enquiry_requested)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Load the latest figures again (F5)")
        self.refresh_button.setAccessibleName("Refresh today's figures")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, self.refresh)

        self.model = EnquiryTableModel(self)
        self.table = rows_table(self.model, "Latest enquiries")
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.viewport().installEventFilter(self)
        self.model.modelReset.connect(self.fit_columns)
        latest = QLabel("&Latest enquiries")
        latest.setObjectName("subheading")
        latest.setBuddy(self.table)

        figures = QHBoxLayout()
        figures.setSpacing(24)
        figures.addWidget(self.enquiries_today, 2)
        figures.addWidget(self.follow_ups, 3)
        figures.addWidget(self.new_enquiry_button, 0)
        figures.addWidget(self.refresh_button, 0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.date_label)
        layout.addLayout(figures)
        layout.addWidget(self.status)
        layout.addWidget(self.backup_reminder)
        layout.addWidget(latest)
        layout.addWidget(self.table, 1)
        runner.data_changed.connect(self._on_data_changed)
        self.refresh()

    def fit_columns(self) -> None:
        """Needs gets the room: the other columns fit their text (Site at most ~16
        characters, as every row at a one-site counter shows the same site); the table
        scrolls sideways rather than squeezing Needs to nothing at large text sizes."""
        chars = self.table.fontMetrics().averageCharWidth()
        for column in (0, 2, 3, 4):
            self.table.resizeColumnToContents(column)
        self.table.setColumnWidth(3, min(self.table.columnWidth(3), chars * 16))
        others = sum(self.table.columnWidth(c) for c in (0, 2, 3, 4))
        room = self.table.viewport().width() - others
        self.table.setColumnWidth(1, max(room, chars * 24))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        self.status.setText("Loading the latest figures...")
        self.refresh_button.setEnabled(False)
        ws = self.ws
        self.runner.run_db(lambda _state: load_today(ws), on_done=self._show,
                           on_error=self._failed, owner=self)

    def _on_data_changed(self, what: str) -> None:
        if what in ("enquiries", "referrals", "all", "backup"):
            self.refresh()

    def _show(self, summary: Any) -> None:
        self.summary = summary
        self.date_label.setText(f"{summary.day:%A} {long_date(summary.day)}")
        self.enquiries_today.setText(
            "Enquiries today: "
            f"{_count_text(summary.enquiries_today, summary.enquiries_today_capped)}")
        self.follow_ups.setText(
            "Follow-ups due by today: "
            f"{_count_text(summary.follow_ups_due, summary.follow_ups_capped)}")
        self.model.set_rows(summary.latest, summary.day)
        self.status.setText("" if summary.latest else "No enquiries have been logged yet.")
        self.status.setVisible(bool(self.status.text()))
        self.backup_reminder.setText(summary.backup_reminder)
        self.backup_reminder.setVisible(bool(summary.backup_reminder))
        self.refresh_button.setEnabled(True)
        self.loads += 1

    def _failed(self, sentence: str) -> None:
        self.status.setText(f"Could not load today's figures. {sentence}")
        self.status.setVisible(True)
        self.refresh_button.setEnabled(True)
