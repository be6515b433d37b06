"""Merging two entries that are the same service: both shown side by side, the coordinator
chooses the one to keep; every referral then points at it, and the merge is logged."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.details import ServiceDetails, service_details
from csn_desk.directory.merge import MergeResult, merge_services
from csn_desk.ui.directory.panel import details_html
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace


class MergeDialog(QDialog):
    merged = Signal(object)  # MergeResult

    def __init__(self, ws: Workspace, runner: TaskRunner, first_id: str, second_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.ids = (first_id, second_id)
        self.setWindowTitle("Merge duplicate services")
        self.setMinimumSize(640, 420)
        intro = QLabel("Choose the entry to keep. Referrals to the other will point at it, "
                       "and the other is kept only as a record of the merge.")
        intro.setWordWrap(True)
        grid = QGridLayout()
        self.keep: list[QRadioButton] = []
        self.views: list[QTextBrowser] = []
        for col, sid in enumerate(self.ids):
            radio = QRadioButton(f"&Keep entry {col + 1}")
            view = QTextBrowser()
            view.setAccessibleName(f"Entry {col + 1}")
            grid.addWidget(radio, 0, col)
            grid.addWidget(view, 1, col)
            self.keep.append(radio)
            self.views.append(view)
            self._load(sid, view)
        self.keep[0].setChecked(True)
        self.message = MessageLine()
        self.merge_button = QPushButton("&Merge")
        self.merge_button.setDefault(True)
        self.merge_button.clicked.connect(self.merge)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.merge_button)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)

    def _load(self, service_id: str, view: QTextBrowser) -> None:
        ws = self.ws

        def shown(d: ServiceDetails) -> None:
            view.setHtml(details_html(d))

        self.runner.run_db(lambda _s: service_details(ws, service_id), on_done=shown,
                           on_error=view.setPlainText, owner=self)

    def merge(self) -> None:
        keep = 0 if self.keep[0].isChecked() else 1
        survivor, gone = self.ids[keep], self.ids[1 - keep]
        ws = self.ws
        self.merge_button.setEnabled(False)
        self.runner.run_db(lambda _s: merge_services(ws, survivor, gone), on_done=self._done,
                           on_error=self._failed, owner=self)

    def _done(self, result: MergeResult) -> None:
        self.runner.notify_changed("directory")
        self.merged.emit(result)
        self.accept()

    def _failed(self, sentence: str) -> None:
        self.merge_button.setEnabled(True)
        self.message.say(f"Not merged. {sentence}", error=True)
