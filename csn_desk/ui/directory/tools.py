"""The Directory page's buttons: the review list for everyone; adding and editing entries,
import and export for coordinators and administrators (``permissions.can_edit``). Each
opens its dialog; data for a dialog is read on the database thread first. After any change
the results are searched again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from csn_desk.directory.permissions import can_edit
from csn_desk.directory.records import (
    load_organisation,
    load_service,
    organisation_choices,
)
from csn_desk.ui.directory.common import FlowLayout
from csn_desk.ui.directory.export_dialog import ExportDialog
from csn_desk.ui.directory.import_dialog import ImportDialog
from csn_desk.ui.directory.merge_dialog import MergeDialog
from csn_desk.ui.directory.organisation_editor import OrganisationEditor
from csn_desk.ui.directory.review_dialog import ReviewDialog
from csn_desk.ui.directory.service_editor import ServiceEditor
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace


class DirectoryTools(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, panel: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.panel = ws, runner, panel
        self.dialog: QDialog | None = None  # the last dialog opened (tests look at it)
        self.editor = can_edit(ws)
        self.add_button = QPushButton("&Add service")
        self.edit_button = QPushButton("&Edit service")
        self.review_button = QPushButton("&Review list")
        self.more_button = QPushButton("Organisations, import and e&xport")
        self.more_button.setAccessibleName("More directory upkeep: organisations, import and "
                                           "export")
        menu = QMenu(self.more_button)
        self.organisation_action = menu.addAction("Add an &organisation...")
        self.edit_organisation_action = menu.addAction("Edit the chosen service's "
                                                       "organisation...")
        menu.addSeparator()
        self.import_action = menu.addAction("&Import a directory file...")
        self.export_action = menu.addAction("E&xport the directory...")
        self.more_button.setMenu(menu)
        self.edit_button.setToolTip("Edit the service chosen in the results")
        self.add_button.clicked.connect(lambda: self.edit_service(None))
        self.edit_button.clicked.connect(self.edit_current)
        self.organisation_action.triggered.connect(self.add_organisation)
        self.edit_organisation_action.triggered.connect(self.edit_current_organisation)
        self.import_action.triggered.connect(lambda: self.import_file(None))
        self.export_action.triggered.connect(self.export)
        self.review_button.clicked.connect(self.review)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        flow = FlowLayout()
        for b in self.buttons():
            flow.addWidget(b)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(flow)
        column.addWidget(self.message)
        for b in (self.add_button, self.edit_button, self.more_button):
            b.setVisible(self.editor)
        runner.data_changed.connect(self._changed)

    def buttons(self) -> list[QPushButton]:
        return [self.review_button, self.add_button, self.edit_button, self.more_button]

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _changed(self, what: str) -> None:
        if what == "directory" and hasattr(self.panel, "request_search"):
            self.panel.request_search()

    def _show(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _current_id(self) -> str | None:
        hit = self.panel.current_hit() if hasattr(self.panel, "current_hit") else None
        if hit is None:
            self._say("Choose a service in the results first.")
            return None
        self._say("")
        return str(hit.id)

    # -- services -------------------------------------------------------------------------
    def edit_current(self) -> None:
        sid = self._current_id()
        if sid is not None:
            self.edit_service(sid)

    def edit_service(self, service_id: str | None) -> None:
        ws = self.ws
        self.runner.run_db(
            lambda _s: (organisation_choices(ws),
                        load_service(ws, service_id) if service_id else None),
            on_done=lambda data: self._show(ServiceEditor(ws, self.runner, data[0], data[1],
                                                          self.window())),
            on_error=self._say, owner=self)

    # -- organisations ----------------------------------------------------------------------
    def edit_current_organisation(self) -> None:
        sid = self._current_id()
        if sid is None:
            return
        ws = self.ws
        self.runner.run_db(lambda _s: load_organisation(ws, load_service(ws, sid)
                                                        .organisation_id),
                           on_done=lambda org: self._show(OrganisationEditor(
                               ws, self.runner, org, self.window())),
                           on_error=self._say, owner=self)

    def add_organisation(self) -> QDialog:
        return self._show(OrganisationEditor(self.ws, self.runner, None, self.window()))

    # -- files and the review list -------------------------------------------------------------
    def import_file(self, path: Path | None) -> QDialog:
        return self._show(ImportDialog(self.ws, self.runner,
                                       path, self.window()))

    def export(self) -> QDialog:
        return self._show(ExportDialog(self.ws, self.runner, self.window()))

    def review(self) -> QDialog:
        dialog = ReviewDialog(self.ws, self.runner, self.window())
        dialog.edit_requested.connect(self.edit_service)
        dialog.merge_requested.connect(self.merge)
        return self._show(dialog)

    def merge(self, first: str, second: str) -> QDialog:
        review = self.dialog
        dialog = self._show(MergeDialog(self.ws, self.runner, first, second, self.window()))
        if isinstance(review, ReviewDialog):
            dialog.finished.connect(lambda _r: review.load())
        return dialog
