"""The Follow-ups page (coordinators): referrals due or overdue, narrowed by site, service
and status; pick one, choose what happened, add a note and record it.

All database work runs through the task runner. Each load carries a number; a result from
an older load (the filters changed meanwhile) is dropped, so the list never flickers back.

The queue never scrolls sideways: when its five columns do not fit at the text size in use
(200% on a 1366 x 768 screen), it shows two columns whose cells wrap over several lines. Row
heights are then measured only for the rows in view (and a few beyond), as they come into
view, so a long queue never stalls the window."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
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
from csn_desk.ui.followups.model import (
    COLUMNS,
    SERVICE_COLUMN,
    FollowUpTableModel,
    due_text,
    full_text,
    person_text,
    service_text,
)
from csn_desk.ui.messages import show_message
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


def uk_today() -> date:
    return datetime.now(UK).date()


def summary_text(queue: FollowUpQueue, filters: FollowUpFilters) -> str:
    """How many are due, how many match the filters, and whether the list is cut short."""
    filtered = any(v is not None for v in (filters.site_id, filters.service_key,
                                           filters.status))
    shown = len(queue.rows)
    text = f"{queue.due_total} due or overdue by {long_date(queue.by)}"
    if queue.capped:
        matching = " match these filters" if filtered else ""
        return (f"{text}; {queue.matched_total}{matching}. Only the oldest {shown} are "
                "listed: choose a site, service or status to see the rest.")
    if filtered:
        text += f"; {shown} shown with these filters"
    return text + "."


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
        # Letters: for the chosen follow-up, or one PDF for everything due (with progress).
        self.letter_button = QPushButton("Follow-up &letter")
        self.letter_button.setAccessibleName("Preview and print the follow-up letter for the "
                                             "chosen follow-up")
        self.letter_button.clicked.connect(self.followup_letter)
        self.referral_letter_button = QPushButton("Referral le&tter")
        self.referral_letter_button.setAccessibleName("Preview and print the referral letter "
                                                      "to the service (needs consent)")
        self.referral_letter_button.clicked.connect(self.referral_letter)
        self.batch_button = QPushButton("Letters for &all due")
        self.batch_button.setAccessibleName("Make the follow-up letters for every follow-up "
                                            "due by today, as one document")
        self.batch_button.clicked.connect(self.all_letters)
        filters = QGridLayout()
        self.filter_grid = filters
        self.filter_cells: list[tuple[QLabel, QComboBox]] = []
        for text, combo in (("S&ite", self.site_filter), ("Ser&vice", self.service_filter),
                            ("Stat&us", self.status_filter)):
            label = QLabel(text)
            label.setBuddy(combo)
            self.filter_cells.append((label, combo))
            combo.currentIndexChanged.connect(self._filters_changed)
        self.filter_rows = 0
        self._place_filters(1)

        self.model = FollowUpTableModel(self)
        self.table = rows_table(self.model, "Follow-ups due or overdue")
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 8)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.viewport().installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self.fit_columns)
        self._fitting = False
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.timeout.connect(self.fit_visible_rows)
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self._rows_timer.start())
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
        # Shown while the outcome is not an unmet need, so a disabled box never shows a
        # reason that will not be saved.
        self.reason.addItem("Not needed for this outcome", None)
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
        self.page_scroll = scroll
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
        letters_row = QHBoxLayout()
        for button in (self.letter_button, self.referral_letter_button, self.batch_button):
            letters_row.addWidget(button)
        letters_row.addStretch(1)
        layout.addLayout(letters_row)
        layout.addLayout(filters)
        layout.addWidget(queue_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self._outcome_changed()
        self._row_changed()
        runner.data_changed.connect(self._on_data_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.refresh()

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keep the focused control in sight when an Alt shortcut jumps to it (the page
        scrolls as a whole at large text sizes)."""
        body = self.page_scroll.widget()
        if new is not None and body is not None and body.isAncestorOf(new):
            self.page_scroll.ensureWidgetVisible(new, 16, 16)

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
        self.fit_filters()
        current = self._current_item_id()
        self.model.set_rows(queue.rows)
        self.summary.setText(summary_text(queue, self.filters()))
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
        """Five one-line columns if every one fits whole (the service gets the room left);
        otherwise the two-column shape with wrapped cells, so nothing scrolls sideways."""
        if self._fitting:
            return
        self._fitting = True
        try:
            table, header = self.table, self.table.horizontalHeader()
            self.model.set_compact(self.five_columns_width() > self.table_room())
            table.setWordWrap(self.model.compact)
            header.setStretchLastSection(self.model.compact)
            if self.model.compact:
                table.resizeColumnToContents(0)
                lines = 3 * table.fontMetrics().lineSpacing() + 12
                table.verticalHeader().setDefaultSectionSize(lines)
            else:
                table.verticalHeader().resetDefaultSectionSize()
                for column in range(len(COLUMNS)):
                    table.resizeColumnToContents(column)
                others = sum(table.columnWidth(c) for c in range(len(COLUMNS))
                             if c != SERVICE_COLUMN)
                table.setColumnWidth(SERVICE_COLUMN, max(table.columnWidth(SERVICE_COLUMN),
                                                         self.table_room() - others))
        finally:
            self._fitting = False
        self._rows_timer.start()

    def _place_filters(self, rows: int) -> None:
        """The three filters (label above each box) on one row; or two rows, site and
        status then the service; or one under another; whichever shows their choices
        whole (large text, long site or service names)."""
        if rows == self.filter_rows:
            return
        self.filter_rows = rows
        grid = self.filter_grid
        for column in range(3):
            grid.setColumnStretch(column, 0)
        site, service, status = (combo for _label, combo in self.filter_cells)
        places = {1: [(0, 0, 1), (0, 1, 1), (0, 2, 1)],  # (row, column, columns spanned)
                  2: [(0, 0, 1), (2, 0, 2), (0, 1, 1)],
                  3: [(0, 0, 1), (2, 0, 1), (4, 0, 1)]}[rows]
        for (label, combo), (row, column, span) in zip(self.filter_cells, places, strict=True):
            grid.removeWidget(label)
            grid.removeWidget(combo)
            grid.addWidget(label, row, column, 1, span)
            grid.addWidget(combo, row + 1, column, 1, span)
        stretches = {1: (1, 2, 1), 2: (1, 1, 0), 3: (1, 0, 0)}[rows]
        for column, stretch in enumerate(stretches):
            grid.setColumnStretch(column, stretch)
        if site.parent() is not None:  # Tab follows the reading order
            second, third = (status, service) if rows == 2 else (service, status)
            self.setTabOrder(site, second)
            self.setTabOrder(second, third)

    def fit_filters(self) -> None:
        """Choose how many rows the filters take (see ``_place_filters``)."""
        metrics = self.site_filter.fontMetrics()
        chars = metrics.averageCharWidth()

        def need(combo: QComboBox) -> int:
            widest = max((metrics.horizontalAdvance(combo.itemText(i))
                          for i in range(combo.count())), default=0)
            return min(widest, chars * 40) + 6 * chars  # the arrow, padding and spacing

        room = self.table.width()
        site, service, status = (need(combo) for _label, combo in self.filter_cells)
        rows = 1 if site + service + status <= room else 2 if site + status <= room else 3
        self._place_filters(rows)

    def table_room(self) -> int:
        """The width the columns may use: the table less its frame and a vertical scroll
        bar (always counted, so the choice of shape does not flip when one appears). The
        page's own scroll bar is counted the same way: it comes and goes as the message under
        the queue appears, and must not flip the queue's shape either."""
        scroll = getattr(self, "page_scroll", None)  # None while the page is being built
        page_bar = scroll.verticalScrollBar() if scroll is not None else None
        page_room = (page_bar.sizeHint().width()
                     if page_bar is not None and not page_bar.isVisible() else 0)
        return (self.table.width() - 2 * self.table.frameWidth()
                - self.table.verticalScrollBar().sizeHint().width() - page_room)

    def five_columns_width(self) -> int:
        """The five columns' width with every cell whole on one line (the first thousand
        rows are measured, as Qt's own column sizing does)."""
        cells = self.table.fontMetrics()
        heads = self.table.horizontalHeader().fontMetrics()
        pad = 2 * cells.averageCharWidth() + 2
        rows = self.model.rows()[:1000]
        total = 0
        for column, title in enumerate(COLUMNS):
            widest = max((cells.horizontalAdvance(full_text(item, column)) for item in rows),
                         default=0)
            total += max(widest, heads.horizontalAdvance(title) + pad) + pad
        return total

    def fit_visible_rows(self) -> None:
        """In the two-column shape, size the rows in view (and a few beyond) to their
        wrapped text; rows never seen keep the three-line default."""
        count = self.model.rowCount()
        if not self.model.compact or not count:
            return
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        for row in range(first, min(last + 10, count - 1) + 1):
            self.table.resizeRowToContents(row)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
            self.fit_filters()
        return super().eventFilter(watched, event)

    # -- recording --------------------------------------------------------------------------
    def followup_letter(self) -> None:
        from csn_desk.ui.documents.open import preview_followup_letter

        referral_id = self._current_item_id()
        if referral_id is not None:
            self.preview = preview_followup_letter(self, self.runner, self.ws, referral_id)

    def referral_letter(self) -> None:
        from csn_desk.ui.documents.open import preview_referral_letter

        referral_id = self._current_item_id()
        if referral_id is not None:
            self.preview = preview_referral_letter(self, self.runner, self.ws, referral_id)

    def all_letters(self) -> None:
        from csn_desk.ui.documents.open import batch_letters

        self.preview = batch_letters(self, self.runner, self.ws, uk_today())

    def _current_item_id(self) -> str | None:
        row = self.table.currentIndex().row()
        return self.model.row_at(row).referral_id if 0 <= row < self.model.rowCount() else None

    def _row_changed(self, *_args: Any) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < self.model.rowCount():
            item = self.model.row_at(row)
            self.selected.setText(f"Chosen: {service_text(item)}, for {person_text(item)}, "
                                  f"due {due_text(item)}")
            self.record_button.setEnabled(not self._saving)
            self.letter_button.setEnabled(True)
            self.referral_letter_button.setEnabled(True)
        else:
            self.letter_button.setEnabled(False)
            self.referral_letter_button.setEnabled(False)
            self.selected.setText("Choose a follow-up in the queue." if self.loads or
                                  self.model.rowCount() else "Loading...")
            self.record_button.setEnabled(False)

    def _outcome_changed(self) -> None:
        mapped = NEED_OUTCOME.get(self.outcome.currentData() or "")
        unmet = mapped is not None and mapped[0] == "unmet"
        self.reason.setEnabled(unmet)
        if not unmet:
            self.reason.setCurrentIndex(0)
        elif mapped is not None and mapped[1]:
            self.reason.setCurrentIndex(max(1, self.reason.findData(mapped[1])))
        elif self.reason.currentIndex() == 0:
            self.reason.setCurrentIndex(1)
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
        show_message(self.message, text, error=error)
        self.message.setVisible(True)
