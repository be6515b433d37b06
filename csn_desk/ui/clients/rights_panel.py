"""The people's-rights actions on the client page: a subject access pack, restricting use (and
lifting it), and erasure, with the restricted or erased banner. The buttons are disabled,
with the reason shown, when the signed-in role may not use them; the services check again.

Work runs on the database thread through the TaskRunner. Dialogs open without blocking
(``open()``), so keyboard users and tests drive them the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.clients import ClientDetail
from csn_desk.protection.erasure import REASONS_VOCAB as ERASE_REASONS
from csn_desk.protection.erasure import erase_client
from csn_desk.protection.restriction import REASONS_VOCAB as RESTRICT_REASONS
from csn_desk.protection.restriction import lift_restriction, restrict_client
from csn_desk.protection.subject_access import SubjectAccessPack, subject_access_pack
from csn_desk.timefmt import long_date
from csn_desk.ui.clients.rights_state import (
    ERASE_EXPLAINED,
    ERASE_WORD,
    SAR_PLAINTEXT,
    rights_state,
)
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

BANNER_STYLE = ("QLabel#rightsBanner { border: 3px solid #7a1010; background: #fde8e8; "
                "color: #5a0000; font-weight: bold; padding: 8px; }")


def _reasons(name: str) -> QComboBox:
    box = QComboBox()
    for term in vocab(name).terms:
        box.addItem(term.label, term.code)
    return box


class RestrictDialog(QDialog):
    """Choose why the record is restricted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restrict use of this record")
        text = QLabel("While restricted, the record can be viewed and corrected but not used: "
                      "no enquiries, referrals, slips, letters or follow-up contact.")
        text.setWordWrap(True)
        self.reason = _reasons(RESTRICT_REASONS)
        self.reason.setAccessibleName("Reason for the restriction")
        label = QLabel("&Reason:")
        label.setBuddy(self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Restrict")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (text, label, self.reason, buttons):
            layout.addWidget(w)


class EraseDialog(QDialog):
    """Erasure needs a reason and the word ERASE typed: it cannot be undone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Erase this person's record")
        self.setMinimumWidth(520)
        text = QLabel(ERASE_EXPLAINED)
        text.setWordWrap(True)
        self.reason = _reasons(ERASE_REASONS)
        self.reason.setAccessibleName("Reason for erasure")
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        self.confirm = QLineEdit()
        self.confirm.setAccessibleName(f"Type {ERASE_WORD} to confirm")
        confirm_label = QLabel(f"&Type {ERASE_WORD} in capitals to confirm:")
        confirm_label.setBuddy(self.confirm)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Erase")
        self.ok_button.setEnabled(False)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.confirm.textChanged.connect(
            lambda t: self.ok_button.setEnabled(t.strip() == ERASE_WORD))
        buttons.accepted.connect(self._accept_if_confirmed)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (text, reason_label, self.reason, confirm_label, self.confirm, buttons):
            layout.addWidget(w)

    def _accept_if_confirmed(self) -> None:
        if self.confirm.text().strip() == ERASE_WORD:
            self.accept()


class RightsPanel(QWidget):
    """Banner, three actions and what happened. ``changed`` carries "restricted",
    "unrestricted", "erased" or "sar" after the service has done it."""

    changed = Signal(str)

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.detail: ClientDetail | None = None
        self.busy = False
        self.done = 0  # finished actions (tests wait on this)
        self.last_pack: SubjectAccessPack | None = None
        self.choose_folder: Callable[[], str] = lambda: QFileDialog.getExistingDirectory(
            self, "Choose a folder for the subject access pack")
        self.restrict_dialog: RestrictDialog | None = None
        self.erase_dialog: EraseDialog | None = None
        self.setStyleSheet(BANNER_STYLE)

        self.banner = QLabel("")
        self.banner.setObjectName("rightsBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.sar_button = QPushButton("Subject &access pack...")
        self.sar_button.setAccessibleName("Make a subject access pack for this person")
        self.sar_button.clicked.connect(self.ask_pack)
        self.restrict_button = QPushButton("Restrict &use...")
        self.restrict_button.clicked.connect(self.ask_restrict)
        self.erase_button = QPushButton("&Erase...")
        self.erase_button.setAccessibleName("Erase this person's record")
        self.erase_button.clicked.connect(self.ask_erase)
        self.why_not = QLabel("")
        self.why_not.setWordWrap(True)
        self.why_not.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.sar_button, self.restrict_button, self.erase_button):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(row)
        layout.addWidget(self.why_not)
        layout.addWidget(self.status)
        self.show_detail(None)

    # -- state ---------------------------------------------------------------------------
    def show_detail(self, detail: ClientDetail | None) -> None:
        self.detail = detail
        state = rights_state(self.ws, detail)
        self.banner.setText(state.banner)
        self.banner.setAccessibleName(state.banner)
        self.banner.setVisible(bool(state.banner))
        self.restrict_button.setText("Lift &restriction" if state.restricted
                                     else "Restrict &use...")
        self.restrict_button.setAccessibleName(
            "Lift the restriction" if state.restricted else "Restrict use of this record")
        self._enable(state.can_sar, state.can_restrict, state.can_erase)
        why = state.why_not if detail is not None else ""
        self.why_not.setText(why)
        self.why_not.setVisible(bool(why))
        for b in (self.sar_button, self.restrict_button, self.erase_button):
            b.setToolTip("" if b.isEnabled() else (state.why_not or "Open a client first."))

    def show_erased(self) -> None:
        """After erasure the record is gone: say so, and offer nothing more."""
        self.detail = None
        text = ("Erased: this person's details have been blanked here and will be at the "
                "other sites when they sync. Only anonymous counts remain.")
        self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.setVisible(True)
        self._enable(False, False, False)

    def _enable(self, sar: bool, restrict: bool, erase: bool) -> None:
        live = self.detail is not None and not self.busy
        self.sar_button.setEnabled(live and sar)
        self.restrict_button.setEnabled(live and restrict)
        self.erase_button.setEnabled(live and erase)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(bool(text))

    def _start(self, text: str) -> None:
        self.busy = True
        self._enable(False, False, False)
        self._say(text)

    def _finish(self, text: str, what: str | None) -> None:
        self.busy = False
        self._say(text)
        if what is not None:
            self.changed.emit(what)
        if what != "erased":
            self.show_detail(self.detail)
        self.done += 1

    def _failed(self, sentence: str) -> None:
        self._finish(f"Nothing was done. {sentence}", None)

    # -- subject access ------------------------------------------------------------------
    def ask_pack(self) -> None:
        folder = self.choose_folder()
        if folder:
            self.make_pack(Path(folder))

    def make_pack(self, folder: Path) -> None:
        if self.detail is None or self.busy:
            return
        ws, client_id = self.ws, self.detail.id
        self._start("Making the subject access pack...")
        self.runner.run_db(lambda _s: subject_access_pack(ws, client_id, folder),
                           on_done=self._pack_made, on_error=self._failed, owner=self)

    def _pack_made(self, pack: SubjectAccessPack) -> None:
        self.last_pack = pack
        self._finish(f"Saved the subject access pack ({pack.pages} pages) in "
                     f"{pack.pdf_path.parent} as {pack.pdf_path.name} and "
                     f"{pack.json_path.name}. {SAR_PLAINTEXT} "
                     f"The request is logged; it is due by {long_date(pack.due)}.", "sar")

    # -- restriction ---------------------------------------------------------------------
    def ask_restrict(self) -> None:
        if self.detail is None or self.busy:
            return
        if self.detail.restricted:
            self.lift()
            return
        self.restrict_dialog = RestrictDialog(self)
        dialog = self.restrict_dialog
        dialog.accepted.connect(lambda: self.restrict(str(dialog.reason.currentData())))
        dialog.open()

    def restrict(self, reason: str) -> None:
        if self.detail is None:
            return
        ws, client_id = self.ws, self.detail.id
        self._start("Restricting the record...")
        self.runner.run_db(lambda _s: restrict_client(ws, client_id, reason),
                           on_done=lambda _r: self._restricted(reason),
                           on_error=self._failed, owner=self)

    def _restricted(self, reason: str) -> None:
        if self.detail is not None:
            self.detail = replace(self.detail, restricted=True, restricted_reason=reason)
        self._finish("Restricted. The record stays on file but cannot be used until the "
                     "restriction is lifted.", "restricted")

    def lift(self) -> None:
        if self.detail is None:
            return
        ws, client_id = self.ws, self.detail.id
        self._start("Lifting the restriction...")
        self.runner.run_db(lambda _s: lift_restriction(ws, client_id),
                           on_done=lambda _r: self._lifted(), on_error=self._failed,
                           owner=self)

    def _lifted(self) -> None:
        if self.detail is not None:
            self.detail = replace(self.detail, restricted=False, restricted_reason=None)
        self._finish("Restriction lifted: the record can be used again.", "unrestricted")

    # -- erasure -------------------------------------------------------------------------
    def ask_erase(self) -> None:
        if self.detail is None or self.busy:
            return
        self.erase_dialog = EraseDialog(self)
        dialog = self.erase_dialog
        dialog.accepted.connect(lambda: self.erase(str(dialog.reason.currentData())))
        dialog.open()

    def erase(self, reason: str) -> None:
        if self.detail is None:
            return
        ws, client_id = self.ws, self.detail.id
        self._start("Erasing the record...")
        self.runner.run_db(lambda _s: erase_client(ws, client_id, reason),
                           on_done=lambda _r: self._erased(), on_error=self._failed,
                           owner=self)

    def _erased(self) -> None:
        self.show_erased()
        self._finish("Erased. The anonymous counts are kept.", "erased")
