"""Admin > This site: the letterhead every slip and letter carries (name, phone, email,
postal address). Loaded and saved on the database thread with ``csn_desk.sites``."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.sites import EDITABLE, SiteDetails, site_details, update_site_details
from csn_desk.ui.admin.common import scrolling, tab_layout
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

LABELS = {"name": "Site &name", "phone": "&Phone", "email": "&Email",
          "address_line1": "Address line &1", "address_line2": "Address line &2",
          "post_town": "&Town", "postcode": "Post&code"}
HINTS = {"name": "The name people know this access point by",
         "phone": "Like 01325 000000",
         "email": "Optional", "address_line1": "Building and street",
         "address_line2": "Optional", "post_town": "Printed in capitals on letters",
         "postcode": "Like DL1 1AA"}


class SiteTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.loads = 0
        self.saves = 0
        self._saving = False

        intro = QLabel("These details are printed on every slip and letter, so people know "
                       "who gave it to them and how to get help. The phone number is the "
                       "one people should call for help.")
        intro.setWordWrap(True)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name in EDITABLE:
            edit = QLineEdit()
            edit.setAccessibleName(LABELS[name].replace("&", ""))
            edit.setPlaceholderText(HINTS[name])
            edit.setToolTip(HINTS[name])
            edit.returnPressed.connect(self.save)
            self.fields[name] = edit
            form.addRow(LABELS[name], edit)
        self.save_button = QPushButton("&Save site details")
        self.save_button.setAccessibleName("Save the site details")
        self.save_button.setToolTip("Save (Ctrl+S or Enter)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        self.message = MessageLine()
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        self.save_button.setEnabled(False)
        self.load()

    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            self.runner.run_db(fn, owner=self, **callbacks)

    def load(self) -> None:
        ws = self.ws
        self._run(lambda _s: site_details(ws), on_done=self._show,
                  on_error=lambda e: self.message.say(f"Could not load the site details. {e}",
                                                      error=True))

    def _show(self, details: SiteDetails) -> None:
        for name, edit in self.fields.items():
            edit.setText(getattr(details, name) or "")
        self.save_button.setEnabled(True)
        self.loads += 1

    def values(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.fields.items()}

    def save(self) -> None:
        if self._saving or not self.save_button.isEnabled():
            return
        ws, values = self.ws, self.values()
        self._saving = True
        self.save_button.setEnabled(False)
        self._run(lambda _s: update_site_details(ws, **values), on_done=self._saved,
                  on_error=self._failed)

    def _saved(self, details: SiteDetails) -> None:
        self._saving = False
        self._show(details)
        self.saves += 1
        self.message.say("Saved. New slips and letters carry these details.")
        self.runner.notify_changed("site")

    def _failed(self, sentence: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.message.say(f"Not saved. {sentence}", error=True)
