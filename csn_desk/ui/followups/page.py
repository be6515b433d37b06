"""The Follow-ups page (coordinators): referrals due or overdue, narrowed by site, service
and status; pick one, choose what happened, add a note and record it.

All database work runs through the task runner. Each load carries a number; a result from
an older load (the filters changed meanwhile) is dropped, so the list never flickers back."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from csn_desk.followups import (
    NEED_OUTCOME,
    FollowUpFilters,
    FollowUpQueue,
    OutcomeResult,
    load_queue,
    outcome_statuses,
    record_outcome,
)
from csn_desk.timefmt import UK, long_date
from csn_desk.ui.followups.model import SERVICE_COLUMN, FollowUpTableModel
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


def uk_today() -> date:
    return datetime.now(UK).date()


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


class FollowUpsPage(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.queue: FollowUpQueue | None = None
        self.loads = 0  # completed loads (tests wait on it)
        self.saves = 0  # completed outcome saves
        self._generation = 0
        self._saving = False
        self._filling = False  # True while the filter boxes are refilled (no reloads)

        heading = QLabel("Follow-ups")
        heading.setObjectName("heading")
        self.summary = QLabel("Loading the follow-up queue...")
        self.summary.setWordWrap(True)

        # filters: label above each box so they fit side by side at 200% text
        self.site_filter = _combo("Filter by site")
        self.service_filter = _combo("Filter by service")
        self.status_filter = _combo("Filter by status")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAccessibleName("Refresh the follow-up queue")
        self.refresh_button.setToolTip("Load the queue again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        filters = QGridLayout()
        for column, (text, combo) in enumerate((("S&ite", self.site_filter),
                                                ("Ser&vice", self.service_filter),
                                                ("Stat&us", self.status_filter))):
            label = QLabel(text)
            label.setBuddy(combo)
            filters.addWidget(label, 0, column)
            filters.addWidget(combo, 1, column)
            filters.setColumnStretch(column, 2 if combo is self.service_filter else 1)
            combo.currentIndexChanged.connect(self._filters_changed)

        self.model = FollowUpTableModel(self)
        self.table = rows_table(self.model, "Follow-ups due or overdue")
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 8)
        self.table.viewport().installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self.fit_columns)
        queue_label = QLabel("&Queue (oldest first)")
        queue_label.setObjectName("subheading")
        queue_label.setBuddy(self.table)

        # recording an outcome
        self.selected = QLabel("Choose a follow-up in the queue.")
        self.selected.setWordWrap(True)
        self.outcome = _combo("Outcome")
        statuses = vocab("referral_statuses")
        for code in outcome_statuses():
            self.outcome.addItem(statuses.label(code), code)
        self.reason = _combo("Reason the need was not met")
        for term in vocab("unmet_reasons").terms:
            self.reason.addItem(term.label, term.code)
        self.need_effect = QLabel("")
        self.need_effect.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note about the outcome")
        self.note.setPlaceholderText("What happened (optional)")
        self.note.returnPressed.connect(self.record)
        self.record_button = QPushButton("Rec&ord outcome")
        self.record_button.setAccessibleName("Record the outcome for the chosen follow-up")
        self.record_button.setToolTip("Record the outcome (Ctrl+Enter)")
        self.record_button.clicked.connect(self.record)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.record)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Ou&tcome", self.outcome)
        form.addRow("&Reason if not met", self.reason)
        form.addRow("&Note", self.note)
        action_row = QHBoxLayout()
        action_row.addWidget(self.need_effect, 1)
        action_row.addWidget(self.record_button)
        box = QGroupBox("Record what happened")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.selected)
        box_layout.addLayout(form)
        box_layout.addLayout(action_row)
        box_layout.addWidget(self.message)

        # The page scrolls as a whole when the window is small, rather than squeezing the
        # queue to nothing or forcing a large minimum window size.
        body = QWidget()
        body.setMinimumHeight(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.refresh_button)
        layout.addLayout(summary_row)
        layout.addLayout(filters)
        layout.addWidget(queue_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self._outcome_changed()
        self._row_changed()
        runner.data_changed.connect(self._on_data_changed)
        self.refresh()

    def _run(self, fn: Any, **callbacks: Any) -> None:
        """Submit database work; once the runner has shut down (closing) it is dropped."""
        with contextlib.suppress(RuntimeError):
            self.runner.run_db(fn, **callbacks)

    # -- loading --------------------------------------------------------------------------
    def filters(self) -> FollowUpFilters:
        return FollowUpFilters(site_id=self.site_filter.currentData(),
                               service_key=self.service_filter.currentData(),
                               status=self.status_filter.currentData())

    def refresh(self) -> None:
        self._generation += 1
        generation, ws, filters, today = self._generation, self.ws, self.filters(), uk_today()
        self._run(lambda _s: load_queue(ws, today, filters),
                           on_done=lambda q: self._show(generation, q),
                           on_error=lambda e: self._failed(generation, e), owner=self)

    def _filters_changed(self) -> None:
        if not self._filling:
            self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if what in ("referrals", "enquiries", "all"):
            self.refresh()

    def _show(self, generation: int, queue: FollowUpQueue) -> None:
        if generation != self._generation:
            return  # an older load; a newer one is on its way
        self.queue = queue
        self._fill_filters(queue)
        current = self._current_item_id()
        self.model.set_rows(queue.rows)
        shown, total = len(queue.rows), queue.due_total
        more = "+" if queue.capped else ""
        text = f"{total}{more} due or overdue by {long_date(queue.by)}"
        if shown != total:
            text += f"; {shown} shown with these filters"
        self.summary.setText(text + ".")
        row = self.model.row_of(current) if current else -1
        if self.model.rowCount():
            self.table.selectRow(max(row, 0))
        self._row_changed()
        self.loads += 1

    def _failed(self, generation: int, sentence: str) -> None:
        if generation == self._generation:
            self.summary.setText(f"Could not load the follow-up queue. {sentence}")

    def _fill_filters(self, queue: FollowUpQueue) -> None:
        statuses = vocab("referral_statuses")
        self._filling = True
        try:
            for combo, all_text, options in (
                    (self.site_filter, "All sites", queue.sites),
                    (self.service_filter, "All services", queue.services),
                    (self.status_filter, "All open statuses",
                     tuple((c, statuses.label(c)) for c in queue.statuses))):
                keep = combo.currentData()
                combo.clear()
                combo.addItem(all_text, None)
                for key, name in options:
                    combo.addItem(name or "Service not named", key)
                if keep is not None and combo.findData(keep) < 0:
                    combo.addItem("(none due)", keep)  # keep the filter the user chose
                combo.setCurrentIndex(max(0, combo.findData(keep)) if keep else 0)
        finally:
            self._filling = False

    def fit_columns(self) -> None:
        """Service gets the room left; the other columns fit their text (the person at
        most ~28 characters); the table scrolls sideways at large text sizes."""
        chars = self.table.fontMetrics().averageCharWidth()
        for column in (0, 1, 2, 4):
            self.table.resizeColumnToContents(column)
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), chars * 28))
        others = sum(self.table.columnWidth(c) for c in (0, 1, 2, 4))
        room = self.table.viewport().width() - others
        self.table.setColumnWidth(SERVICE_COLUMN, max(room, chars * 24))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    # -- recording --------------------------------------------------------------------------
    def _current_item_id(self) -> str | None:
        row = self.table.currentIndex().row()
        return self.model.row_at(row).referral_id if 0 <= row < self.model.rowCount() else None

    def _row_changed(self, *_args: Any) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < self.model.rowCount():
            item = self.model.row_at(row)
            self.selected.setText(f"Chosen: {self.model.text(item, SERVICE_COLUMN)}, for "
                                  f"{self.model.text(item, 2)}, due {self.model.text(item, 0)}")
            self.record_button.setEnabled(not self._saving)
        else:
            self.selected.setText("Choose a follow-up in the queue." if self.loads or
                                  self.model.rowCount() else "Loading...")
            self.record_button.setEnabled(False)

    def _outcome_changed(self) -> None:
        mapped = NEED_OUTCOME.get(self.outcome.currentData() or "")
        unmet = mapped is not None and mapped[0] == "unmet"
        self.reason.setEnabled(unmet)
        if unmet and mapped is not None and mapped[1]:
            self.reason.setCurrentIndex(max(0, self.reason.findData(mapped[1])))
        outcomes = vocab("need_outcomes")
        self.need_effect.setText(
            f"The person's need will be marked: {outcomes.label(mapped[0])}." if mapped
            else "The person's need stays as it is.")

    def record(self) -> None:
        referral_id = self._current_item_id()
        if referral_id is None or self._saving:
            return
        status = self.outcome.currentData()
        reason = self.reason.currentData() if self.reason.isEnabled() else None
        note, ws = self.note.text(), self.ws
        self._saving = True
        self.record_button.setEnabled(False)
        self._run(lambda _s: record_outcome(ws, referral_id, status, note, reason),
                           on_done=self._recorded, on_error=self._record_failed, owner=self)

    def _recorded(self, result: OutcomeResult) -> None:
        self._saving = False
        self.saves += 1
        self.note.clear()
        labels, needs = vocab("referral_statuses"), vocab("needs")
        outcomes = vocab("need_outcomes")
        text = f"Recorded: {labels.label(result.status)}."
        for code, outcome in result.needs_changed:
            text += f" {needs.label(code)}: {outcomes.label(outcome)}."
        self._say(text, error=False)
        self.runner.notify_changed("referrals")
        if result.needs_changed:
            self.runner.notify_changed("enquiries")

    def _record_failed(self, sentence: str) -> None:
        self._saving = False
        self._row_changed()
        self._say(f"The outcome was not recorded. {sentence}", error=True)

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setObjectName("errorMessage" if error else "")
        self.message.setStyleSheet("")  # re-polish for the object name change
        self.message.setText(text)
        self.message.setVisible(True)
