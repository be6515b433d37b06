"""Admin > Audit: the audit log, newest first, filtered by who, what, which record and which
days, a page at a time, each entry in words; and "Check the log is intact", which walks the
hash chain on the database thread and says which entry is wrong, if any.

Queries are ``csn_desk.protection.audit_log`` calls on the database thread."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.accounts import list_users
from csn_desk.protection.audit_log import (
    PAGE_SIZE,
    AuditFilter,
    AuditPage,
    AuditRow,
    action_choices,
    check_log,
    query_audit,
    verdict,
)
from csn_desk.store.audit_chain import ChainReport
from csn_desk.timefmt import uk_datetime
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.rows_model import RowsTableModel, rows_table
from csn_desk.ui.sync.window import fit_columns
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

ANY_DAY = QDate(2000, 1, 1)  # the minimum date shows as "Any day"


class AuditModel(RowsTableModel):
    columns = ("No.", "When", "Who", "What", "Record", "Detail")

    def text(self, row: AuditRow, column: int) -> str:
        record = f"{row.entity} {row.entity_id}" if row.entity_id else ""
        return (str(row.seq), uk_datetime(row.at), row.username or "(setup)", row.label,
                record, row.detail or "")[column]


def _day_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setAccessibleName(name)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(ANY_DAY)
    edit.setSpecialValueText("Any day")
    edit.setDate(ANY_DAY)
    return edit


def _picked(edit: QDateEdit) -> date | None:
    value = edit.date()
    return None if value == ANY_DAY else date(value.year(), value.month(), value.day())


class AuditTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.offset = 0
        self.loads = 0
        self.last_check: ChainReport | None = None

        intro = QLabel("Who did what, and when: sign-ins, views of client records, changes, "
                       "prints, exports and sync. Entries hold ids, never personal details.")
        intro.setWordWrap(True)
        self.who = QComboBox()
        self.who.setAccessibleName("Who")
        self.who.addItem("Anyone", "")
        self.what = QComboBox()
        self.what.setAccessibleName("What")
        self.what.addItem("Anything", "")
        for code, label in action_choices():
            self.what.addItem(label, code)
        self.record = QLineEdit()
        self.record.setAccessibleName("Record id")
        self.record.setPlaceholderText("A client, enquiry or other record id (optional)")
        self.since = _day_edit("From day")
        self.until = _day_edit("To day")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("&Who", self.who)
        form.addRow("W&hat", self.what)
        form.addRow("Re&cord id", self.record)
        form.addRow("&From", self.since)
        form.addRow("&To", self.until)
        self.show_button = self._button("&Show entries", "Show the matching entries",
                                        self.search)
        self.record.returnPressed.connect(self.search)
        self.newer_button = self._button("&Newer", "Show newer entries", self.newer)
        self.older_button = self._button("&Older", "Show older entries", self.older)
        self.check_button = self._button("Check the log is &intact",
                                         "Check the log is intact", self.check)
        self.count = QLabel("")
        self.count.setAccessibleName("How many entries match")
        self.model = AuditModel(self)
        self.table = fit_columns(rows_table(self.model, "Audit log entries"))
        self.table.setMinimumHeight(240)
        self.message = MessageLine()
        QShortcut(QKeySequence("F5"), self, self.search)

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(ButtonRow(self.show_button, self.check_button))
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addWidget(ButtonRow(self.newer_button, self.older_button))
        layout.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        self.newer_button.setEnabled(False)
        self.older_button.setEnabled(False)
        self._load_users()
        self.search()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    def _load_users(self) -> None:
        ws = self.ws

        def fill(rows: list[Any]) -> None:
            for row in rows:
                self.who.addItem(f"{row.display_name} ({row.username})", row.username)

        self.runner.run_db(lambda _s: list_users(ws), owner=self, on_done=fill,
                           on_error=lambda e: self.message.say(e, error=True))

    def filters(self) -> AuditFilter:
        return AuditFilter(user=str(self.who.currentData() or "") or None,
                           record_id=self.record.text().strip() or None,
                           action=str(self.what.currentData() or "") or None,
                           since=_picked(self.since), until=_picked(self.until))

    # -- paging -----------------------------------------------------------------------------
    def search(self) -> None:
        self.offset = 0
        self._load()

    def newer(self) -> None:
        self.offset = max(0, self.offset - PAGE_SIZE)
        self._load()

    def older(self) -> None:
        self.offset += PAGE_SIZE
        self._load()

    def _load(self) -> None:
        ws, filters, offset = self.ws, self.filters(), self.offset
        self.runner.run_db(lambda _s: query_audit(ws, filters, offset=offset), owner=self,
                           on_done=self._show, on_error=self._load_failed)

    def _load_failed(self, sentence: str) -> None:
        self.loads += 1  # a load happened; it was refused or failed, and says so
        self.message.say(sentence, error=True)

    def _show(self, page: AuditPage) -> None:
        self.model.set_rows(page.rows)
        self.loads += 1
        if page.total == 0:
            self.count.setText("No entries match.")
        else:
            first, last = page.offset + 1, page.offset + len(page.rows)
            self.count.setText(f"Entries {first:,} to {last:,} of {page.total:,}, newest "
                               "first.")
        self.newer_button.setEnabled(page.offset > 0)
        self.older_button.setEnabled(page.has_more)

    # -- checking ---------------------------------------------------------------------------
    def check(self) -> None:
        ws = self.ws
        self.check_button.setEnabled(False)
        self.message.say("Checking the audit log…")

        def done(report: ChainReport) -> None:
            self.last_check = report
            self.check_button.setEnabled(True)
            self.message.say(verdict(report), error=not report.ok)

        def failed(sentence: str) -> None:
            self.check_button.setEnabled(True)
            self.message.say(f"Could not check the log. {sentence}", error=True)

        self.runner.run_db(lambda _s: check_log(ws), owner=self, on_done=done,
                           on_error=failed)
