"""Exporting the whole directory as Open Referral UK JSON or as a CSV for spreadsheets, on
the database thread with progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.export import ExportResult, export_directory
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

SUFFIX = {"oruk-json": ".json", "csv": ".csv"}


class ExportDialog(QDialog):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.exported: ExportResult | None = None
        self.setWindowTitle("Export the directory")
        intro = QLabel("Save every organisation and service in the directory to a file. "
                       "The directory holds no personal data.")
        intro.setWordWrap(True)
        self.as_json = QRadioButton("Open Referral UK &JSON (for other directory systems)")
        self.as_csv = QRadioButton("&CSV (for spreadsheets)")
        self.as_json.setChecked(True)
        self.path = QLineEdit()
        self.path.setAccessibleName("File to save")
        self.path.setText(str(Path.home() / "directory.json"))
        self.as_json.toggled.connect(self._suffix)
        browse = QPushButton("C&hoose...")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setVisible(False)
        self.message = MessageLine()
        self.export_button = QPushButton("&Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.close_button = QPushButton("C&lose")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for w in (intro, self.as_json, self.as_csv):
            layout.addWidget(w)
        label = QLabel("&Save as")
        label.setBuddy(self.path)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def fmt(self) -> str:
        return "oruk-json" if self.as_json.isChecked() else "csv"

    def _suffix(self) -> None:
        path = Path(self.path.text() or "directory")
        self.path.setText(str(path.with_suffix(SUFFIX[self.fmt()])))

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the directory as", self.path.text(),
                                              "JSON (*.json)" if self.fmt() == "oruk-json"
                                              else "CSV (*.csv)")
        if name:
            self.path.setText(name)

    def export(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.message.say("Not exported. Choose where to save the file.", error=True)
            return
        ws, fmt, out = self.ws, self.fmt(), Path(text)
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.say("Exporting...")
        self.runner.run_db(lambda state: export_directory(ws, fmt, out, state.progress),
                           on_done=self._done, on_error=self._failed,
                           on_progress=self._progress, owner=self)

    def _progress(self, done: int, total: int, _text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _done(self, result: ExportResult) -> None:
        self.exported = result
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.message.say(result.sentence())

    def _failed(self, sentence: str) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.message.say(f"Not exported. {sentence}", error=True)
