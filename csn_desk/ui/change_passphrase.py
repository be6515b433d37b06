"""File > Change my passphrase…: for every signed-in user, whatever their role.

The current passphrase, then the new one twice with its strength shown as it is typed. The
check and the change run on the task runner's database thread
(``csn_desk.accounts.change_own_passphrase``: the current passphrase is proven behind the
sign-in throttle, the new one must be strong, only this user's key slot is rewrapped). A
refusal is said in the dialog in plain words; every passphrase box is emptied after each
try, so nothing typed stays in the window, and nothing typed is ever logged."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from csn_desk.accounts import change_own_passphrase
from csn_desk.ui.messages import show_message
from csn_desk.ui.passphrase_fields import NOTHING_TYPED, PassphraseFields, secret_field
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.workspace import Workspace

TITLE = "Change my passphrase"
MENU_TEXT = "Change my &passphrase…"
INTRO = ("Your passphrase opens the data on this computer. Type the one you use now, then "
         "choose a new one. Nobody else's passphrase changes.")
CURRENT_LABEL = "C&urrent passphrase"
OK_TEXT = "&Change passphrase"
NEED_CURRENT = "Current passphrase: type the passphrase you signed in with."
READY = "Ready: choose Change passphrase."
WORKING = "Checking and changing… this takes a few seconds."
NOT_CHANGED = "Not changed. {sentence}"
CHANGED = ("Your passphrase has been changed. Use the new one from now on, when you sign in "
           "and when you unlock the screen.")
CLOSE = "Close"


class ChangePassphraseDialog(QDialog):
    """Checks as you type; OK only when nothing is missing; the work in the background."""

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.running = False
        self.changed = False
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.intro = intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.current = secret_field("Current passphrase")
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.addRow(CURRENT_LABEL, self.current)
        self.secret = PassphraseFields(self.form, self.refresh)
        self.current.textChanged.connect(self.refresh)
        self.fields = QWidget()
        self.fields.setLayout(self.form)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What is still needed")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(OK_TEXT)
        self.ok.setAccessibleName(OK_TEXT.replace("&", ""))
        self.cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addWidget(self.fields)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(min(760, max(560, self.fontMetrics().averageCharWidth() * 62)))
        self._shown = False
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown:  # the first box, once (not again after the idle lock)
            self._shown = True
            self.current.setFocus()
        self.fit()

    def fit(self, shrink: bool = False) -> None:
        """Tall enough for the wrapped sentences at the current width (a window does not
        follow its layout's height-for-width by itself), never taller than the screen;
        ``shrink`` also takes away room no longer needed."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        screen = self.screen()
        if screen is not None:
            need = min(need, screen.availableGeometry().height() * 95 // 100)
        if need > self.height() or (shrink and need < self.height()):
            self.resize(self.width(), need)

    # -- what is still needed ---------------------------------------------------------------
    def current_problem(self) -> str | None:
        hints = [self.ws.user.username, self.ws.user.display_name]
        trouble = self.secret.problem(hints)  # (also updates the strength line)
        if not self.current.text():
            return NEED_CURRENT
        return trouble

    def refresh(self) -> None:
        if self.running or self.changed:
            return
        trouble = self.current_problem()
        self._say(trouble or READY)
        self.ok.setEnabled(trouble is None)

    def _say(self, text: str, *, error: bool = False) -> None:
        show_message(self.message, text, error=error)
        if self.isVisible():
            QTimer.singleShot(0, self, self.fit)

    # -- the change -------------------------------------------------------------------------
    def submit(self) -> None:
        """OK (or Enter): check and change in the background."""
        if self.running or self.changed or self.current_problem() is not None:
            return
        ws, current, new = self.ws, self.current.text(), self.secret.passphrase.text()
        self._busy(True)
        self._say(WORKING)

        def work(_state: TaskState) -> None:
            change_own_passphrase(ws, current, new)

        try:
            self.runner.run_db(work, owner=self, on_done=lambda _r: self._done(),
                               on_error=self._refused)
        except RuntimeError:  # the runner has shut down (the app is closing)
            self._busy(False)
        finally:
            self._forget()

    def _forget(self) -> None:
        """Empty every passphrase box (what was typed is handed to the work already)."""
        for field in (self.current, self.secret.passphrase, self.secret.repeat):
            field.blockSignals(True)
            field.clear()
            field.blockSignals(False)
        self.secret.strength.setText(NOTHING_TYPED)

    def _busy(self, busy: bool) -> None:
        self.running = busy
        self.fields.setEnabled(not busy)
        self.ok.setEnabled(False)
        self.cancel.setEnabled(not busy)

    def _done(self) -> None:
        self._busy(False)
        self.changed = True
        self.fields.hide()
        self.intro.hide()
        self.ok.hide()
        self._say(CHANGED)
        self.cancel.setText(CLOSE)
        self.cancel.setAccessibleName(CLOSE)
        self.cancel.setDefault(True)
        self.cancel.setFocus()
        QTimer.singleShot(0, self, lambda: self.fit(shrink=True))

    def _refused(self, sentence: str) -> None:
        self._busy(False)
        said = (sentence if "nothing has been changed" in sentence.lower()
                else NOT_CHANGED.format(sentence=sentence))
        self._say(said, error=True)
        self.ok.setEnabled(False)  # until everything is typed again
        if sentence.startswith(("Passphrase:", "New passphrase:")):
            self.secret.passphrase.setFocus()
        else:
            self.current.setFocus()

    def reject(self) -> None:
        """Escape or Cancel; ignored while the change is being made (it cannot be stopped
        half-way, and the person should see how it ended)."""
        if self.running:
            return
        self._forget()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.running:
            event.ignore()
            return
        self._forget()
        super().closeEvent(event)
