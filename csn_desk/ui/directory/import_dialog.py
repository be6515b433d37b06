"""Importing a directory file, step by step: choose the file; for a CSV, match its columns
to ours (with a preview of each); read the report of what the file holds and every problem
by record and field; then import the valid records, or nothing. The file is read, checked
and imported on the task runner's threads, with progress, and can be stopped part-way (then
nothing is kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.csv_columns import COLUMNS
from csn_desk.directory.csv_mapping import CsvMapping, CsvPreview, preview
from csn_desk.directory.import_report import ImportReport
from csn_desk.directory.oruk_import import (
    check_entries,
    import_entries,
    is_csv,
    read_entries,
    refused_report,
)
from csn_desk.directory.oruk_validate import Entries
from csn_desk.directory.safe_read import FileRefused, read_limited
from csn_desk.ui.directory.common import FlowLayout
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import Task, TaskRunner
from csn_desk.workspace import Workspace

NOT_IN_FILE = "(not in the file)"
FILE_FILTER = "Directory files (*.json *.csv);;ORUK JSON (*.json);;CSV (*.csv);;All files (*)"


def _read_only_table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    # Wrapped text needs taller rows whenever a column gets narrower or wider.
    table.horizontalHeader().sectionResized.connect(lambda *_: table.resizeRowsToContents())
    return table


class MappingStep(QWidget):
    """Our columns, each with the file's column it is read from and example values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        intro = QLabel("Match the file's columns to csn-desk's. Columns left as "
                       f"'{NOT_IN_FILE}' are not read, and existing entries keep what they "
                       "have for them.")
        intro.setWordWrap(True)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.table = _read_only_table("Column matching",
                                      ["csn-desk column", "The file's column", "Examples"])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        self.preview: CsvPreview | None = None

    def show_preview(self, p: CsvPreview) -> None:
        self.preview = p
        self.info.setText(f"The file has {p.row_count:,} row{'s' if p.row_count != 1 else ''}"
                          f" and {len(p.headers)} columns (read as {p.encoding}).")
        self.table.setRowCount(0)
        for column in COLUMNS:
            row = self.table.rowCount()
            self.table.insertRow(row)
            label = QTableWidgetItem(f"{column.label} ({column.group})")
            label.setData(Qt.ItemDataRole.UserRole, column.name)
            self.table.setItem(row, 0, label)
            combo = QComboBox()
            combo.setAccessibleName(f"The file's column for {column.label}")
            combo.addItem(NOT_IN_FILE, None)
            for header in p.headers:
                combo.addItem(header, header)
            combo.setCurrentIndex(max(0, combo.findData(p.guessed.get(column.name))))
            combo.currentIndexChanged.connect(lambda _i, r=row: self._examples(r))
            self.table.setCellWidget(row, 1, combo)
            self.table.setItem(row, 2, QTableWidgetItem(""))
            self._examples(row)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(1, 220)

    def _examples(self, row: int) -> None:
        if self.preview is None:
            return
        header = self.combo(row).currentData()
        text = ""
        if header is not None:
            i = self.preview.headers.index(header)
            values = [r[i] for r in self.preview.rows[:3] if i < len(r) and r[i].strip()]
            text = " | ".join(" ".join(v.split())[:40] for v in values)
        item = self.table.item(row, 2)
        if item is not None:
            item.setText(text)

    def combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, 1)
        assert isinstance(widget, QComboBox)
        return widget

    def mapping(self) -> CsvMapping:
        out: CsvMapping = {}
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            header = self.combo(row).currentData()
            if item is not None and header is not None:
                out[str(item.data(Qt.ItemDataRole.UserRole))] = str(header)
        return out

    def set_column(self, ours: str, theirs: str | None) -> None:
        """Match one of our columns by hand (as a person would with the drop-down)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == ours:
                combo = self.combo(row)
                combo.setCurrentIndex(max(0, combo.findData(theirs)))


class ReportView(QWidget):
    """What the check (or the import) found: a summary, then each problem as a short
    paragraph (problem, record, field, what to do), which wraps at any text size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.not_kept = QLabel("")
        self.not_kept.setWordWrap(True)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems found, by record and field")
        self.problems.setWordWrap(True)
        self.problems.setAlternatingRowColors(True)
        self.problems.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.not_kept)
        layout.addWidget(self.problems, 1)

    def lines(self) -> list[str]:
        return [self.problems.item(i).text() for i in range(self.problems.count())]

    def show_report(self, report: ImportReport) -> None:
        self.summary.setText(report.summary())
        self.not_kept.setText("Not kept (csn-desk has no place for these): "
                              + ", ".join(report.not_kept) + "." if report.not_kept else "")
        self.not_kept.setVisible(bool(report.not_kept))
        self.problems.clear()
        for issue in report.issues:
            level = "Error" if issue.level == "error" else "Warning"
            where = f"{issue.record}, {issue.field}" if issue.field else issue.record
            item = QListWidgetItem(f"{level}: {where}\n{issue.message}")
            item.setData(Qt.ItemDataRole.UserRole, issue)
            self.problems.addItem(item)
        if report.issues_not_shown:
            self.problems.addItem(f"... and {report.issues_not_shown:,} more problems not "
                                  "listed; fix the ones above and check the file again.")
        self.problems.setVisible(self.problems.count() > 0)


class ImportDialog(QDialog):
    finished_import = Signal(object)  # the ImportReport after writing

    def __init__(self, ws: Workspace, runner: TaskRunner, path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.path: Path | None = None
        self.entries: Entries | None = None
        self.report: ImportReport | None = None
        self.task: Task | None = None
        self.setWindowTitle("Import directory entries")
        self.setMinimumSize(640, 460)

        self.steps = QStackedWidget()
        choose = QWidget()
        choose_layout = QVBoxLayout(choose)
        text = QLabel("Import an Open Referral UK file (JSON) or a spreadsheet saved as CSV. "
                      "Nothing is saved until you have read the report and chosen to "
                      "import.")
        text.setWordWrap(True)
        self.choose_button = QPushButton("&Choose a file...")
        self.choose_button.clicked.connect(self.choose_file)
        choose_layout.addWidget(text)
        choose_layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignLeft)
        choose_layout.addStretch(1)
        self.mapping_step = MappingStep()
        self.report_view = ReportView()
        working = QWidget()
        work_layout = QVBoxLayout(working)
        self.progress_text = QLabel("")
        self.progress_text.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        work_layout.addStretch(1)
        work_layout.addWidget(self.progress_text)
        work_layout.addWidget(self.progress)
        work_layout.addStretch(1)
        for page in (choose, self.mapping_step, self.report_view, working):
            self.steps.addWidget(page)
        self.working_page = working

        self.message = MessageLine()
        self.back_button = QPushButton("&Back")
        self.next_button = QPushButton("Chec&k the file")
        self.import_button = QPushButton("&Import the valid records")
        self.nothing_button = QPushButton("Import &nothing")
        self.stop_button = QPushButton("&Stop")
        self.close_button = QPushButton("C&lose")
        self.back_button.clicked.connect(lambda: self.steps.setCurrentIndex(1))
        self.next_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.start_import)
        self.nothing_button.clicked.connect(self.reject)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.accept)
        row = FlowLayout()
        for b in (self.next_button, self.import_button, self.nothing_button,
                  self.stop_button, self.close_button, self.back_button):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self._buttons()
        if path is not None:
            self.open_path(Path(path))

    # -- steps ----------------------------------------------------------------------------
    def _buttons(self, *shown: QPushButton) -> None:
        for b in (self.back_button, self.next_button, self.import_button,
                  self.nothing_button, self.stop_button, self.close_button):
            b.setVisible(b in shown)
            b.setDefault(False)
        if shown:
            shown[0].setDefault(True)

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose a directory file", "",
                                              FILE_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> None:
        self.path = path
        self.message.say("")
        if is_csv(path):
            self._working(f"Reading {path.name}...")
            self.task = self.runner.run_io(lambda _s: preview(read_limited(path)),
                                           on_done=self._show_mapping,
                                           on_error=self._refused_sentence, owner=self)
        else:
            self.check()

    def _show_mapping(self, p: CsvPreview) -> None:
        self.mapping_step.show_preview(p)
        self.steps.setCurrentWidget(self.mapping_step)
        self._buttons(self.next_button, self.nothing_button)
        self.nothing_button.setText("Cance&l")

    def check(self) -> None:
        path = self.path
        if path is None:
            return
        mapping = self.mapping_step.mapping() if is_csv(path) else None
        ws = self.ws
        self._working(f"Checking {path.name}...")

        def work(_state: Any) -> tuple[Entries | None, ImportReport]:
            try:
                entries = read_entries(path, mapping)
            except FileRefused as exc:
                return None, refused_report(path, str(exc))
            return entries, check_entries(ws, path.name, entries)

        self.task = self.runner.run_db(work, on_done=self._show_report,
                                       on_error=self._refused_sentence, owner=self)

    def _show_report(self, result: tuple[Entries | None, ImportReport]) -> None:
        self.entries, self.report = result
        report = self.report
        self.report_view.show_report(report)
        self.steps.setCurrentWidget(self.report_view)
        self.nothing_button.setText("Import &nothing")
        valid = report.valid_services + report.valid_organisations
        if report.anything_to_import:
            self.import_button.setText(f"&Import the {valid:,} valid record"
                                       f"{'s' if valid != 1 else ''}")
            shown = [self.import_button, self.nothing_button]
            if self.path is not None and is_csv(self.path):
                shown.append(self.back_button)
            self._buttons(*shown)
        else:
            self._buttons(*([self.back_button] if self.path and is_csv(self.path) else []),
                          self.close_button)
            self.close_button.setDefault(True)

    def start_import(self) -> None:
        entries, path = self.entries, self.path
        if entries is None or path is None:
            return
        ws = self.ws
        self._working("Importing...", stoppable=True)
        self.task = self.runner.run_db(
            lambda state: import_entries(ws, path.name, entries, valid_only=True,
                                         progress=state),
            on_done=self._imported, on_error=self._failed, on_progress=self._progress,
            on_cancelled=self._stopped, owner=self)

    def _imported(self, report: ImportReport) -> None:
        self.report = report
        self.report_view.show_report(report)
        self.steps.setCurrentWidget(self.report_view)
        self._buttons(self.close_button)
        self.runner.notify_changed("directory")
        self.finished_import.emit(report)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _stopped(self) -> None:
        self.steps.setCurrentWidget(self.report_view)
        self.message.say("Stopped, as you asked: nothing was imported.", error=True)
        self._buttons(self.close_button)

    # -- progress and failures -------------------------------------------------------------
    def _working(self, text: str, stoppable: bool = False) -> None:
        self.progress_text.setText(text)
        self.progress.setRange(0, 0)
        self.steps.setCurrentWidget(self.working_page)
        self._buttons(*([self.stop_button] if stoppable else []))

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self.progress_text.setText(text)

    def _refused_sentence(self, sentence: str) -> None:
        if self.path is not None:
            self._show_report((None, refused_report(self.path, sentence)))
        else:
            self._failed(sentence)

    def _failed(self, sentence: str) -> None:
        self.steps.setCurrentWidget(self.report_view)
        self.message.say(f"Nothing was imported. {sentence}", error=True)
        self._buttons(self.close_button)
