"""Admin > Network: set this site up for sync and look after the network's sites.

Not in a network: choose the shared folder, then "Create the network" (the first site) or
"Ask to join" (every other site), which shows this site's fingerprint, large, to read out
over the phone. In a network: its name and id, this site's fingerprint, the member sites,
the requests to join with an Approve button (the administrator types the fingerprint they
were told, and chooses the organisation), and Remove site. Every call goes through
``csn_desk.sync.network`` on the database thread."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.sync.network import (
    REQUESTED,
    JoinRequestInfo,
    NetworkInfo,
    SiteInfo,
    approve_join,
    create_network,
    remove_site,
    request_join,
)
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.messages import MessageLine, confirm
from csn_desk.ui.rows_model import RowsTableModel, rows_table
from csn_desk.ui.sync.data import NetworkView, fingerprints_match, load_network_view
from csn_desk.ui.sync.window import fit_columns
from csn_desk.ui.sync.words import site_status_label, spoken_fingerprint
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

FINGERPRINT_STYLE = "QLabel { font-family: 'DejaVu Sans Mono', 'Consolas', monospace; }"


def fingerprint_label(text: str = "") -> QLabel:
    """A fingerprint, large and in groups, selectable so it can be copied."""
    label = QLabel(spoken_fingerprint(text))
    label.setObjectName("heading")
    label.setStyleSheet(FINGERPRINT_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MembersModel(RowsTableModel):
    columns = ("Site", "Organisation", "Fingerprint", "Status")

    def text(self, row: SiteInfo, column: int) -> str:
        if column == 0:
            return row.name + (" (administrator site)" if row.admin else "")
        if column == 1:
            return row.organisation_name or "not known yet"
        if column == 2:
            return row.fingerprint
        return site_status_label(row.status, row.is_self)


class RequestsModel(RowsTableModel):
    columns = ("Site asking to join", "Organisation they gave", "Fingerprint", "Asked")

    def text(self, row: JoinRequestInfo, column: int) -> str:
        if column == 0:
            return row.site_name
        if column == 1:
            return row.organisation_name
        if column == 2:
            return row.fingerprint
        return row.requested_at[:16].replace("T", " ")


class ApproveDialog(QDialog):
    """Approve one request: the administrator types the fingerprint the other site read
    out (it must match) and chooses the organisation the site belongs to."""

    def __init__(self, request: JoinRequestInfo, organisations: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setWindowTitle("Approve a site")
        intro = QLabel(f"Phone {request.site_name} (or see them in person) and ask them to "
                       "read out the fingerprint shown on their Network tab. Type it here. "
                       "Approve only if it matches: that proves the request is really "
                       "theirs.")
        intro.setWordWrap(True)
        self.expected = fingerprint_label(request.fingerprint)
        self.expected.setAccessibleName(f"The request's fingerprint: {request.fingerprint}")
        self.typed = QLineEdit()
        self.typed.setAccessibleName("The fingerprint they read out")
        self.typed.setPlaceholderText("Like 7KQ3-ABCD-EFGH-JKMN")
        self.organisation = QComboBox()
        self.organisation.setEditable(True)
        self.organisation.setAccessibleName("Their organisation")
        choices = list(organisations)
        if request.organisation_name and request.organisation_name not in choices:
            choices.append(request.organisation_name)
        self.organisation.addItems(choices)
        self.organisation.setCurrentText(request.organisation_name or "")
        self.organisation.setToolTip("Choose a member organisation, or type a new name")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Fingerprint of the request:", self.expected)
        form.addRow("&Fingerprint they read out", self.typed)
        form.addRow("&Organisation", self.organisation)
        self.message = MessageLine()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.approve_button.setText("&Approve")
        self.approve_button.setAccessibleName("Approve the site")
        buttons.accepted.connect(self.check_and_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def check_and_accept(self) -> None:
        if not fingerprints_match(self.typed.text(), self.request.fingerprint):
            self.message.say("Not approved. The fingerprint does not match this request: "
                             "check it with the other site again.", error=True)
            self.typed.setFocus()
            return
        if not self.organisation.currentText().strip():
            self.message.say("Not approved. Choose or type the site's organisation.",
                             error=True)
            self.organisation.setFocus()
            return
        self.accept()


class NetworkTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.view: NetworkView | None = None
        self.loads = 0
        self.done_actions = 0
        self._busy = False
        self.dialog: ApproveDialog | None = None
        self.confirm_box: QMessageBox | None = None

        self.heading = QLabel("")
        self.heading.setObjectName("subheading")
        self.heading.setWordWrap(True)
        self.message = MessageLine()
        self.setup_box = self._setup_box()
        self.waiting_box = self._waiting_box()
        self.enrolled_box = self._enrolled_box()

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.setup_box)
        layout.addWidget(self.waiting_box)
        layout.addWidget(self.enrolled_box)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        for box in (self.setup_box, self.waiting_box, self.enrolled_box):
            box.setVisible(False)
        self.load()

    # -- building ---------------------------------------------------------------------------
    def _setup_box(self) -> QWidget:
        box = QWidget()
        intro = QLabel("Sites share records through a shared folder: a network drive, a "
                       "cloud folder (OneDrive, Dropbox) or a USB stick. Choose it, then "
                       "create the network (the first site only) or ask to join it.")
        intro.setWordWrap(True)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Shared folder")
        self.folder.setPlaceholderText("The shared folder every site can reach")
        self.choose_button = QPushButton("C&hoose folder...")
        self.choose_button.setAccessibleName("Choose the shared folder")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_label = QLabel("Shared &folder")
        folder_label.setBuddy(self.folder)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose_button)

        create = QGroupBox("Create a network (the first site)")
        self.network_name = QLineEdit()
        self.network_name.setAccessibleName("Network name")
        self.network_name.setPlaceholderText("Like Darlington Community Support Network")
        self.create_button = QPushButton("&Create the network")
        self.create_button.clicked.connect(self.create_network)
        create_form = QFormLayout(create)
        create_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        create_form.addRow("Network &name", self.network_name)
        create_form.addRow(ButtonRow(self.create_button))

        join = QGroupBox("Join a network another site created")
        join_text = QLabel("This writes a request into the shared folder. Then phone the "
                           "network's administrator and read out this site's fingerprint.")
        join_text.setWordWrap(True)
        self.join_button = QPushButton("Ask to &join the network")
        self.join_button.clicked.connect(self.ask_to_join)
        join_layout = QVBoxLayout(join)
        join_layout.addWidget(join_text)
        join_layout.addWidget(ButtonRow(self.join_button))

        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(folder_label)
        layout.addLayout(row)
        layout.addWidget(create)
        layout.addWidget(join)
        return box

    def _waiting_box(self) -> QWidget:
        box = QGroupBox("Waiting for approval")
        text = QLabel("Phone the network's administrator and read out this site's "
                      "fingerprint. Once they approve it, this site starts syncing by itself.")
        text.setWordWrap(True)
        self.waiting_fingerprint = fingerprint_label()
        layout = QVBoxLayout(box)
        layout.addWidget(text)
        layout.addWidget(self.waiting_fingerprint)
        return box

    def _enrolled_box(self) -> QWidget:
        box = QWidget()
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.own_fingerprint = fingerprint_label()
        self.members_model = MembersModel(self)
        self.members = fit_columns(rows_table(self.members_model, "Sites in the network"))
        self.members.setMinimumHeight(150)
        self.remove_button = QPushButton("&Remove the chosen site...")
        self.remove_button.clicked.connect(self.ask_remove)
        self.requests_model = RequestsModel(self)
        self.requests = fit_columns(rows_table(self.requests_model, "Sites asking to join"))
        self.requests.setMinimumHeight(120)
        self.approve_button = QPushButton("&Approve the chosen site...")
        self.approve_button.clicked.connect(self.ask_approve)
        self.refresh_button = QPushButton("Look a&gain")
        self.refresh_button.setAccessibleName("Look again for requests to join")
        self.refresh_button.clicked.connect(self.load)
        self.requests_note = QLabel("")
        self.requests_note.setWordWrap(True)
        for table in (self.members, self.requests):
            table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())

        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.details)
        layout.addWidget(QLabel("This site's fingerprint:"))
        layout.addWidget(self.own_fingerprint)
        sites_heading = QLabel("Sites")
        sites_heading.setObjectName("subheading")
        layout.addWidget(sites_heading)
        layout.addWidget(self.members)
        layout.addWidget(ButtonRow(self.remove_button))
        self.requests_heading = QLabel("Asking to join")
        self.requests_heading.setObjectName("subheading")
        layout.addWidget(self.requests_heading)
        layout.addWidget(self.requests_note)
        layout.addWidget(self.requests)
        layout.addWidget(ButtonRow(self.approve_button, self.refresh_button))
        return box

    # -- loading ----------------------------------------------------------------------------
    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            self.runner.run_db(fn, owner=self, **callbacks)

    def load(self) -> None:
        ws = self.ws
        self._run(lambda _s: load_network_view(ws), on_done=self._show,
                  on_error=lambda e: self.message.say(f"Could not load the network. {e}",
                                                      error=True))

    def _show(self, view: NetworkView) -> None:
        self.view = view
        info = view.info
        self.setup_box.setVisible(info is None)
        self.waiting_box.setVisible(info is not None and info.state == REQUESTED)
        self.enrolled_box.setVisible(info is not None and info.state != REQUESTED)
        if info is None:
            self.heading.setText("This site is not part of a network.")
        elif info.state == REQUESTED:
            self.heading.setText(f"Asked to join \"{info.name}\".")
            self._set_fingerprint(self.waiting_fingerprint, info.fingerprint)
        else:
            self._show_enrolled(info, view)
        self._busy = False
        self._enable()
        self.loads += 1

    def _set_fingerprint(self, label: QLabel, fp: str) -> None:
        label.setText(spoken_fingerprint(fp))
        label.setAccessibleName(f"This site's fingerprint: {fp}")

    def _show_enrolled(self, info: NetworkInfo, view: NetworkView) -> None:
        self.heading.setText(f"Network: {info.name}")
        self.details.setText(f"Network id: {info.network_id}\nShared folder: {info.drop_dir}\n"
                             f"Key epoch {info.epoch}, list of sites version "
                             f"{info.roster_version}.")
        self._set_fingerprint(self.own_fingerprint, info.fingerprint)
        self.members_model.set_rows(info.sites)
        self.requests_model.set_rows(view.requests)
        for widget in (self.requests_heading, self.approve_button, self.refresh_button,
                       self.remove_button):
            widget.setVisible(info.is_admin)
        self.requests.setVisible(info.is_admin and bool(view.requests))
        if view.problem:
            note = f"Could not read the requests to join. {view.problem}"
        elif not view.requests:
            note = "No site is asking to join just now."
        else:
            note = "Choose a site, then Approve. Check its fingerprint with them first."
        self.requests_note.setText(note if info.is_admin else
                                   "Sites are approved at the network's administrator site.")

    def _enable(self) -> None:
        idle = not self._busy
        for button in (self.create_button, self.join_button, self.choose_button):
            button.setEnabled(idle)
        self.approve_button.setEnabled(idle and self.chosen_request() is not None)
        chosen = self.chosen_site()
        self.remove_button.setEnabled(idle and chosen is not None and not chosen.is_self
                                      and chosen.status == "active")

    def _start(self, text: str) -> None:
        self._busy = True
        self._enable()
        self.message.say(text)

    def _finished(self, text: str) -> None:
        self.done_actions += 1
        self.message.say(text)
        self.runner.notify_changed("network")  # the status bar and Sync window follow
        self.load()

    def _failed(self, what: str, sentence: str) -> None:
        self._busy = False
        self._enable()
        self.message.say(f"{what} {sentence}", error=True)

    # -- not in a network -------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the shared folder",
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _chosen_folder(self) -> Path | None:
        text = self.folder.text().strip()
        if not text:
            self.message.say("Choose the shared folder first.", error=True)
            self.folder.setFocus()
            return None
        return Path(text)

    def create_network(self) -> None:
        folder = self._chosen_folder()
        if folder is None or self._busy:
            return
        ws, name = self.ws, self.network_name.text()
        self._start("Creating the network...")
        self._run(lambda _s: create_network(ws, folder, name),
                  on_done=lambda info: self._finished(
                      f"The network \"{info.name}\" is set up. Other sites can now ask to "
                      "join it from the same shared folder."),
                  on_error=lambda e: self._failed("Not created.", e))

    def ask_to_join(self) -> None:
        folder = self._chosen_folder()
        if folder is None or self._busy:
            return
        ws = self.ws
        self._start("Writing the request to join...")
        self._run(lambda _s: request_join(ws, folder),
                  on_done=lambda result: self._finished(
                      f"Asked to join \"{result.network_name}\". Read out the fingerprint "
                      "below to its administrator."),
                  on_error=lambda e: self._failed("Not asked.", e))

    # -- approve ----------------------------------------------------------------------------
    def chosen_request(self) -> JoinRequestInfo | None:
        rows = self.requests.selectionModel().selectedRows()
        if not rows:
            return None
        request: JoinRequestInfo = self.requests_model.row_at(rows[0].row())
        return request

    def ask_approve(self) -> ApproveDialog | None:
        request = self.chosen_request()
        if request is None or self.view is None:
            return None
        dialog = ApproveDialog(request, self.view.organisations, self)
        dialog.accepted.connect(lambda: self.approve(dialog.typed.text(),
                                                     dialog.organisation.currentText()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def approve(self, fingerprint_text: str, organisation: str) -> None:
        ws = self.ws
        self._start("Approving...")
        self._run(lambda _s: approve_join(ws, fingerprint_text, organisation),
                  on_done=lambda r: self._finished(
                      f"{r.site_name} is approved into {r.organisation_name}. It starts "
                      "syncing the next time it syncs."),
                  on_error=lambda e: self._failed("Not approved.", e))

    # -- remove -----------------------------------------------------------------------------
    def chosen_site(self) -> SiteInfo | None:
        rows = self.members.selectionModel().selectedRows()
        if not rows:
            return None
        site: SiteInfo = self.members_model.row_at(rows[0].row())
        return site

    def ask_remove(self) -> None:
        site = self.chosen_site()
        if site is None:
            return
        site_id = site.site_id
        self.confirm_box = confirm(
            self, "Remove a site",
            f"Remove {site.name} from the network? A new set of keys starts that it never "
            "gets, so it can read nothing written from now on. What it already holds stays "
            "on its computer.", "&Remove the site", "&Keep it",
            lambda: self.remove(site_id), warning=True)

    def remove(self, site_id: str) -> None:
        ws = self.ws
        self._start("Removing the site...")
        self._run(lambda _s: remove_site(ws, site_id),
                  on_done=lambda r: self._finished(
                      f"{r.site_name} is removed. New keys (epoch {r.epoch}) go to the other "
                      "sites with their next sync."),
                  on_error=lambda e: self._failed("Not removed.", e))
