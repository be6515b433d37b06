"""The Sync window, opened from the status bar: "Sync now", and three tabs. Sites: each
site, its organisation, when it was last heard from. Conflicts (coordinators, managers and
administrators; the service checks too): which value won, from which site and when, the
other value, and "Restore the other value". Problems: files set aside with their reasons,
names in the shared folder that are not ours, and paused sites (administrators resume)."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.sync.service import (
    BadFileInfo,
    ConflictEntry,
    SyncReport,
    restore_conflict,
    resume_site,
)
from csn_desk.timefmt import uk_datetime
from csn_desk.ui.messages import MessageLine, confirm
from csn_desk.ui.rows_model import RowsTableModel, rows_table
from csn_desk.ui.sync.controller import (
    INTERVAL_CHOICES,
    SyncController,
    interval_label,
    interval_minutes,
)
from csn_desk.ui.sync.data import (
    PausedRow,
    SiteRow,
    SyncView,
    can_restore_conflicts,
    can_resume_sites,
    can_see_conflicts,
    load_view,
)
from csn_desk.ui.sync.words import (
    ago,
    field_label,
    field_words,
    file_number,
    problem_label,
    progress_line,
    site_status_label,
    site_text,
    status_line,
    value_text,
    waiting_line,
)
from csn_desk.workspace import Workspace


def _when(stamp: Any) -> str:
    return uk_datetime(stamp) if stamp else "not known"


class SitesModel(RowsTableModel):
    columns = ("Site", "Organisation", "Status", "Last heard from")

    def text(self, row: SiteRow, column: int) -> str:
        if column == 0:
            return row.name
        if column == 1:
            return row.organisation or "not known yet"
        if column == 2:
            return site_status_label(row.status, row.is_self)
        return "this site" if row.is_self else ago(row.last_heard_at)


CONFLICT_COLUMNS = ("Record", "Field", "Value kept", "Kept from", "Other value", "Other from")
# The same rows in two columns of two lines each, when six do not fit the width (large text,
# long record names): nothing scrolls sideways.
COMPACT_CONFLICT_COLUMNS = ("Record and field", "Values")


class ConflictsModel(RowsTableModel):
    columns: tuple[str, ...] = CONFLICT_COLUMNS
    compact = False

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.labels: dict[tuple[str, str], str] = {}  # set with the rows: records in words

    def set_compact(self, compact: bool) -> None:
        """Switch shape (a model reset: the view re-reads columns and rows)."""
        if compact == self.compact:
            return
        self.beginResetModel()
        self.compact = compact
        self.columns = COMPACT_CONFLICT_COLUMNS if compact else CONFLICT_COLUMNS
        self.endResetModel()

    def record(self, row: ConflictEntry) -> str:
        return self.labels.get((row.table, row.row_id)) or field_label(row.table, row.field)

    def text(self, row: ConflictEntry, column: int) -> str:
        if not self.compact:
            return self.full_text(row, column)
        if column == 0:
            return f"{self.record(row)}\n{field_words(row.field)}"
        return (f"Kept: {value_text(row.kept_value)} ({self.full_text(row, 3)})\n"
                f"Other: {value_text(row.lost_value)} ({self.full_text(row, 5)})")

    def full_text(self, row: ConflictEntry, column: int) -> str:
        """A cell of the six-column shape."""
        if column == 0:
            return self.record(row)
        if column == 1:
            return field_words(row.field)
        if column == 2:
            return value_text(row.kept_value)
        if column == 3:
            return f"{site_text(row.kept_site)}, {_when(row.kept_at)}"
        if column == 4:
            return value_text(row.lost_value)
        return f"{site_text(row.lost_site)}, {_when(row.lost_at)}"


class ProblemsModel(RowsTableModel):
    columns = ("Site", "File number", "What", "First seen", "Why")

    def text(self, row: BadFileInfo, column: int) -> str:
        if column == 0:
            return site_text(row.site_name)
        if column == 1:
            return file_number(row.seq)
        if column == 2:
            return problem_label(row.kind)
        if column == 3:
            return uk_datetime(row.first_seen)
        return row.reason


class PausedModel(RowsTableModel):
    columns = ("Site", "Why it is paused")

    def text(self, row: PausedRow, column: int) -> str:
        return row.name if column == 0 else row.reason


def fit_columns(table: QTableView) -> QTableView:
    """Columns as wide as their text; the last (the longest words) takes the rest."""
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setWordWrap(True)
    return table


class SyncWindow(QDialog):
    def __init__(self, ws: Workspace, controller: SyncController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.controller, self.runner = ws, controller, controller.runner
        self.view: SyncView | None = None
        self.loads = 0
        self.restores = 0
        self.resumes = 0
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Sync")
        self.setObjectName("syncWindow")
        self.summary = QLabel("")
        self.summary.setObjectName("heading")
        self.summary.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.sync_button = QPushButton("Sync &now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setToolTip("Exchange changes with the other sites now (F9)")
        self.sync_button.clicked.connect(self.sync_now)
        QShortcut(QKeySequence("F9"), self, self.sync_now)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.setVisible(False)
        self.message = MessageLine()

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sync sections")
        self.tabs.addTab(self._sites_tab(), "&Sites")
        self.conflicts_tab: QWidget | None = None
        if can_see_conflicts(ws.user.role):
            self.conflicts_tab = self._conflicts_tab()
            self.tabs.addTab(self.conflicts_tab, "&Conflicts")
            self.tabs.currentChanged.connect(lambda _i: self.fit_conflicts())
            self.conflicts_table.installEventFilter(self)  # refitted when its width changes
        self.tabs.addTab(self._problems_tab(), "&Problems")

        close = QPushButton("Close")
        close.setAccessibleName("Close the Sync window")
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.sync_button)
        self.interval = QComboBox()
        self.interval.setAccessibleName("Sync automatically every")
        for minutes in INTERVAL_CHOICES:
            self.interval.addItem(interval_label(minutes), minutes)
        current = interval_minutes()
        if current not in INTERVAL_CHOICES:  # set by hand in the settings file
            self.interval.addItem(interval_label(current), current)
        self.interval.setCurrentIndex(self.interval.findData(current))
        self.interval.activated.connect(
            lambda i: controller.set_interval(int(self.interval.itemData(i))))
        every = QLabel("Sync automatically &every")
        every.setBuddy(self.interval)
        bottom = QHBoxLayout()
        bottom.addWidget(every)
        bottom.addWidget(self.interval)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.resize(900, 520)

        controller.running_changed.connect(self._running)
        controller.progress.connect(self._progress)
        controller.finished.connect(self._round_done)
        controller.failed.connect(lambda s: self.message.say(f"Not synced. {s}", error=True))
        controller.status_changed.connect(lambda _s: self._show_summary())
        controller.reachable_changed.connect(lambda _r: self._show_summary())
        self._running(controller.running)

    # -- tabs -------------------------------------------------------------------------------
    def _sites_tab(self) -> QWidget:
        self.sites_model = SitesModel(self)
        self.sites_table = fit_columns(rows_table(self.sites_model, "Sites in the network"))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Every site in the network and when its changes last "
                                "reached this one."))
        layout.addWidget(self.sites_table, 1)
        return page

    def _conflicts_tab(self) -> QWidget:
        self.conflicts_model = ConflictsModel(self)
        self.conflicts_table = fit_columns(rows_table(
            self.conflicts_model, "Edits that lost to another site's edit"))
        self.conflicts_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._conflict_chosen())
        self.conflict_note = QLabel("")
        self.conflict_note.setWordWrap(True)
        self.restore_button = QPushButton("&Restore the other value")
        self.restore_button.setAccessibleName("Restore the other value")
        self.restore_button.setToolTip("Put back the value that lost, at every site")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.ask_restore)
        intro = QLabel("When two sites changed the same thing before syncing, the later edit "
                       "was kept everywhere. The other value is listed here for a year so "
                       "nothing is lost; you can put it back.")
        intro.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.conflicts_table, 1)
        layout.addWidget(self.conflict_note)
        layout.addLayout(row)
        return page

    def _problems_tab(self) -> QWidget:
        self.problems_model = ProblemsModel(self)
        self.problems_table = fit_columns(rows_table(
            self.problems_model, "Files that could not be used"))
        self.paused_model = PausedModel(self)
        self.paused_table = fit_columns(rows_table(self.paused_model, "Paused sites"))
        self.paused_table.setMaximumHeight(110)
        self.paused_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._set_resume_enabled())
        self.resume_button = QPushButton("Res&ume the chosen site")
        self.resume_button.setAccessibleName("Resume the chosen site")
        self.resume_button.setToolTip("Take that site's changes again (administrators, after "
                                      "looking into why it was paused)")
        self.resume_button.setEnabled(False)
        self.resume_button.setVisible(can_resume_sites(self.ws.user.role))
        self.resume_button.clicked.connect(self.ask_resume)
        self.ignored = QListWidget()
        self.ignored.setAccessibleName("Files in the shared folder that are not csn-desk's")
        self.ignored.setMaximumHeight(90)
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Files that could not be used, and why:"))
        layout.addWidget(self.problems_table, 2)
        self.paused_heading = QLabel("Paused sites:")
        layout.addWidget(self.paused_heading)
        layout.addWidget(self.paused_table)
        row = QHBoxLayout()
        row.addWidget(self.resume_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Other files in the shared folder (left alone):"))
        layout.addWidget(self.ignored)
        layout.addWidget(self.counts)
        return page

    # -- the conflicts' shape ------------------------------------------------------------------
    def fit_conflicts(self) -> None:
        """Six one-line columns when every one fits whole; otherwise two columns of two
        lines each, half the width each (large text, long record names), so nothing
        scrolls sideways."""
        if self.conflicts_tab is None or not self.conflicts_table.isVisible():
            return  # (a hidden table has no width yet: fitted when its tab is shown)
        table, model = self.conflicts_table, self.conflicts_model
        header, rows_header = table.horizontalHeader(), table.verticalHeader()
        # How wide the six columns would be as their one-line text (measured, not by
        # switching the model's shape: that would reset it, and lose the chosen row).
        cells, titles = table.fontMetrics(), header.fontMetrics()
        room = cells.horizontalAdvance("mmm")  # a cell's margins and the grid
        rows = [model.row_at(r) for r in range(model.rowCount())]
        needed = sum(max([titles.horizontalAdvance(name)]
                         + [cells.horizontalAdvance(model.full_text(row, column))
                            for row in rows]) + room
                     for column, name in enumerate(CONFLICT_COLUMNS))
        width = table.viewport().width()
        compact = needed > width
        model.set_compact(compact)  # (nothing happens when the shape stays)
        if compact:
            header.setStretchLastSection(False)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            table.setColumnWidth(0, width // 2)
            table.setColumnWidth(1, width - width // 2)
            rows_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.resizeRowsToContents()  # as the cells wrap at these widths
        else:
            fit_columns(table)
            rows_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            rows_header.resetDefaultSectionSize()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.conflicts_table and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self.fit_conflicts)  # (not while Qt is resizing it)
        return super().eventFilter(watched, event)

    # -- loading ----------------------------------------------------------------------------
    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            self.runner.run_db(fn, owner=self, **callbacks)

    def reload(self) -> None:
        ws = self.ws
        self._run(lambda _s: load_view(ws), on_done=self._show,
                  on_error=lambda e: self.message.say(f"Could not load the sync details. {e}",
                                                      error=True))

    def _show(self, view: SyncView) -> None:
        self.view = view
        self.sites_model.set_rows(view.sites)
        if self.conflicts_tab is not None:
            self.conflicts_model.labels = view.record_labels
            self.conflicts_model.set_rows(view.conflicts or ())
            self.fit_conflicts()
            self.tabs.setTabText(self.tabs.indexOf(self.conflicts_tab),
                                 f"&Conflicts ({len(view.conflicts or ())})")
            self._conflict_chosen()
        diag = view.diagnostics
        self.problems_model.set_rows(diag.bad_files if diag else ())
        self.paused_model.set_rows(view.paused)
        self.paused_heading.setVisible(bool(view.paused))
        self.paused_table.setVisible(bool(view.paused))
        self.resume_button.setVisible(bool(view.paused) and can_resume_sites(self.ws.user.role))
        self._set_resume_enabled()
        self.ignored.clear()
        if diag is not None:
            self.ignored.addItems(list(diag.ignored_names))
            self.counts.setText(
                f"Files sent from here: {diag.segments_published}. Files received: "
                f"{diag.segments_applied}. Files for other organisations (not readable "
                f"here): {diag.segments_skipped}. Records waiting for related records: "
                f"{diag.rows_waiting}.")
        else:
            self.counts.setText("")
        self._show_summary()
        self.loads += 1

    def _show_summary(self) -> None:
        c = self.controller
        status = c.status if c.status is not None else (self.view.status if self.view else None)
        line = status_line(status, reachable=c.reachable, running=c.running)
        name = f"{status.network_name}: " if status and status.network_name else ""
        self.summary.setText(name + line)
        self.summary.setAccessibleName(name + line)
        details = [waiting_line(status)]
        if status is not None and status.last_error:
            details.append(f"Last problem: {status.last_error}")
        if status is not None:
            details += list(status.alerts)
        self.detail.setText("\n".join(d for d in details if d))
        self.sync_button.setEnabled(c.set_up and not c.running)

    # -- sync now ---------------------------------------------------------------------------
    def sync_now(self) -> None:
        if not self.controller.sync_now():
            self.message.say(self.controller.last_message)

    def _running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
        if running:
            self.message.say("Syncing...")
        self._show_summary()

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.message.say(progress_line(done, total))

    def _round_done(self, report: SyncReport) -> None:
        self.message.say(f"Synced. Received {report.applied_changes} change(s); sent "
                         f"{report.exported_changes}." + (
                             f" {report.new_conflicts} edit(s) lost to another site's: see "
                             "Conflicts." if report.new_conflicts else ""))
        self.reload()

    # -- conflicts --------------------------------------------------------------------------
    def chosen_conflict(self) -> ConflictEntry | None:
        rows = self.conflicts_table.selectionModel().selectedRows()
        if not rows:
            return None
        entry: ConflictEntry = self.conflicts_model.row_at(rows[0].row())
        return entry

    def _conflict_chosen(self) -> None:
        entry = self.chosen_conflict()
        allowed = can_restore_conflicts(self.ws.user.role)
        self.restore_button.setEnabled(entry is not None and entry.restorable and allowed)
        if entry is None:
            self.conflict_note.setText("" if allowed else
                                       "Only a coordinator or an administrator can restore.")
            return
        self.conflict_note.setText(
            f"{self.conflicts_model.record(entry)}, {field_words(entry.field).lower()}: "
            f"\"{value_text(entry.kept_value)}\" "
            f"from {site_text(entry.kept_site)} was kept; \"{value_text(entry.lost_value)}\" "
            f"from {site_text(entry.lost_site)} ({_when(entry.lost_at)}) lost."
            + ("" if entry.restorable else " The record has been deleted since."))

    def ask_restore(self) -> None:
        entry = self.chosen_conflict()
        if entry is None:
            return
        conflict_id = entry.id
        self.confirm_box = confirm(
            self, "Restore the other value",
            f"Put back \"{value_text(entry.lost_value)}\" in place of "
            f"\"{value_text(entry.kept_value)}\"? It becomes a new edit here and goes to every "
            "site with the next sync.", "&Restore the other value", "&Keep the current value",
            lambda: self.restore(conflict_id))

    def restore(self, conflict_id: int) -> None:
        """Put the losing value back (after the user confirmed)."""
        ws = self.ws
        self.restore_button.setEnabled(False)

        def done(_result: object) -> None:
            self.restores += 1
            self.message.say("Restored. The other value goes to every site with the next "
                             "sync.")
            self.runner.notify_changed("records")
            self.reload()

        def failed(sentence: str) -> None:
            self.message.say(f"Not restored. {sentence}", error=True)
            self._conflict_chosen()

        self._run(lambda _s: restore_conflict(ws, conflict_id), on_done=done, on_error=failed)

    # -- paused sites -----------------------------------------------------------------------
    def chosen_paused(self) -> PausedRow | None:
        rows = self.paused_table.selectionModel().selectedRows()
        if not rows:
            return None
        row: PausedRow = self.paused_model.row_at(rows[0].row())
        return row

    def _set_resume_enabled(self) -> None:
        self.resume_button.setEnabled(self.chosen_paused() is not None)

    def ask_resume(self) -> None:
        row = self.chosen_paused()
        if row is None:
            return
        site_id = row.site_id
        self.confirm_box = confirm(
            self, "Resume the site",
            f"Take changes from {row.name} again? Only do this once you know why it was "
            "paused (for example, a copied install has been switched off).", "&Resume",
            "&Leave it paused", lambda: self.resume(site_id))

    def resume(self, site_id: str) -> None:
        ws = self.ws

        def done(_result: object) -> None:
            self.resumes += 1
            self.message.say("Resumed. Its changes are taken again from the next sync.")
            self.reload()

        self._run(lambda _s: resume_site(ws, site_id), on_done=done,
                  on_error=lambda e: self.message.say(f"Not resumed. {e}", error=True))


__all__ = ["SyncWindow"]
