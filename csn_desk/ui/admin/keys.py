"""Admin > Backup and retention > Recovery key and encryption, for administrators only
(``keys.manage``; the box is hidden from anyone else, and the services refuse them anyway).

"Make a new recovery key…" first says what will happen (the old printed key stops working at
once), then makes the key on the database thread (``keys_admin.new_recovery``) and shows it
once, with Copy and Print, like the set-up wizard's last page; it closes only once "I have
written it down" is ticked, and forgets the key when it does.

"Re-encrypt the database…" (after a suspected compromise) asks for the administrator's own
passphrase, then runs ``keys_admin.rekey`` on the task runner's database thread. That thread
is the only one that touches the database in the app (every page, the sync and retention
timers queue their work on it), so while the rekey disposes the engine and swaps the files
nothing else holds a connection; work queued meanwhile waits, then runs on the new engine.
It ends like a new recovery key: the new key shown once, and the names of the users who now
need a new passphrase (Admin > Users > Reset passphrase, with the new key)."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.errors import InvalidInput, WrongPassphrase
from csn_desk.protection.keys_admin import RekeyResult, new_recovery, rekey
from csn_desk.protection.roles import can
from csn_desk.ui.admin.common import ButtonRow
from csn_desk.ui.messages import MessageLine, show_message
from csn_desk.ui.passphrase_fields import secret_field
from csn_desk.ui.recovery_key import RecoveryKeyPanel
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.workspace import Workspace

ACTION = "keys.manage"
BOX_TITLE = "Recovery key and encryption"
BOX_INTRO = ("The recovery key opens the data if every passphrase is forgotten, and lets an "
             "administrator reset someone's passphrase. If the printed key is lost, or someone "
             "else may have seen it, make a new one: the old one then stops working.")
REKEY_INTRO = ("If someone may have copied this computer's key file and knows a passphrase, "
               "re-encrypt the database: it gets a new key, so what they have no longer opens "
               "it. (A copy of the data they already took is not protected by this.)")
REKEY_BUTTON = "Re-&encrypt the database…"
REKEY_BUTTON_NAME = "Re-encrypt the database"
REKEY_TITLE = "Re-encrypt the database"
REKEY_WARNING = ("The whole database gets a new key. Afterwards only you can sign in at first: "
                 "everyone else on this computer needs a new passphrase from an administrator, "
                 "and there is a new recovery key.")
REKEY_DETAILS = ("Ask everyone else to sign out first; this computer cannot be used while it "
                 "runs (a minute or two for a large database). The new recovery key is shown "
                 "only once: have paper and a pen, or a printer, ready. Backups made before "
                 "now still open with the old passphrases: make a new backup afterwards.")
REKEY_PASSPHRASE = "Your &passphrase"
REKEY_NEED_PASSPHRASE = "Your passphrase: type it to confirm it is you."
REKEY_WRONG = ("Your passphrase: that is not the passphrase you signed in with. Check Caps "
               "Lock and type it again.")
REKEY_GO = "Re-en&crypt now"
REKEY_WORKING = "Re-encrypting the database… do not switch the computer off."
REKEY_NOT_DONE = "Nothing was changed; the old key and passphrases still work. {sentence}"
REKEY_KEY_HELP = ("The database is re-encrypted. This is the new recovery key; the old one no "
                  "longer works. It is shown only now. Write it down (or print it) and keep it "
                  "locked away, apart from this computer.")
REKEY_USERS = ("These users need a new passphrase before they can sign in again (Admin > "
               "Users > Reset passphrase, with this recovery key): {names}.")
REKEY_NO_USERS = "You are the only user on this computer, so nobody else needs a new passphrase."
REKEY_MADE = ("The database was re-encrypted at {time}. Make a new backup now; give the other "
              "users new passphrases.")
BUTTON = "Make a &new recovery key…"
BUTTON_NAME = "Make a new recovery key"
TITLE = "Make a new recovery key"
WARNING = ("The recovery key printed before (when this computer was set up, or when it was "
           "last changed) will stop working at once. Backups made before now still open with "
           "the old key.")
READY_TEXT = ("The new key is shown only once. Have paper and a pen, or a printer, ready "
              "before you go on.")
# Mnemonics unlike the Backup tab's own (B, N, E, O, V, R), in case both are in reach.
MAKE = "&Make the new key"
WORKING = "Making the new key…"
NEW_KEY_HELP = ("This is the new recovery key; the old one no longer works. It is shown only "
                "now. Write it down (or print it) and keep it locked away, apart from this "
                "computer. Without it, a forgotten passphrase means the data is lost.")
DONE = "&Done"
NOT_MADE = "No new key was made; the old one still works. {sentence}"
MADE = "A new recovery key was made at {time}; the old printed key no longer works."


class KeyDialog(QDialog):
    """Confirm, make, show the new key once. Subclasses say what is made (``work``) and with
    which words. ``made`` is emitted when the new key exists."""

    made = Signal(str)  # what to say in the tab afterwards
    made_text = MADE
    title = TITLE
    warning_text = WARNING
    details_text = READY_TEXT
    go_text = MAKE
    working_text = WORKING
    failed_text = NOT_MADE
    key_help = NEW_KEY_HELP
    asks_passphrase = False

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.running = False
        self.key_made = False
        self.setWindowTitle(self.title)
        self.setAccessibleName(self.title)

        confirm = QWidget()
        warning = QLabel(self.warning_text)
        warning.setWordWrap(True)
        bold = warning.font()
        bold.setBold(True)
        warning.setFont(bold)
        details = QLabel(self.details_text)
        details.setWordWrap(True)
        self.passphrase = secret_field("Your passphrase")
        self.passphrase.setParent(confirm)
        self.passphrase.textChanged.connect(self._typed)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What is happening")
        self.status.hide()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName(self.working_text)
        self.bar.hide()
        self.go = QPushButton(self.go_text)
        self.go.setAccessibleName(self.go_text.replace("&", ""))
        self.go.setAutoDefault(False)
        self.go.clicked.connect(self.start)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.reject)
        self.confirm_buttons = QDialogButtonBox()
        self.confirm_buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        # Enter: the safe choice (Cancel), unless the passphrase has been typed, which is
        # itself the confirmation.
        self.go.setDefault(self.asks_passphrase)
        self.cancel.setDefault(not self.asks_passphrase)
        self.cancel.setAutoDefault(not self.asks_passphrase)
        confirm_layout = QVBoxLayout(confirm)
        confirm_layout.setContentsMargins(0, 0, 0, 0)
        confirm_layout.setSpacing(12)
        confirm_layout.addWidget(warning)
        confirm_layout.addWidget(details)
        if self.asks_passphrase:
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 0)
            form.addRow(REKEY_PASSPHRASE, self.passphrase)
            confirm_layout.addLayout(form)
        else:
            self.passphrase.hide()  # (kept, empty, so the rest of the dialog is the same)
        for widget in (self.status, self.bar):
            confirm_layout.addWidget(widget)
        confirm_layout.addStretch(1)
        confirm_layout.addWidget(self.confirm_buttons)

        shown = QWidget()
        self.panel = RecoveryKeyPanel(lambda: self.ws.site_name, self.key_help)
        self.after = QLabel("")
        self.after.setWordWrap(True)
        self.after.hide()
        self.done_button = QPushButton(DONE)
        self.done_button.setAccessibleName(DONE.replace("&", ""))
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(self.accept)
        self.panel.written_changed.connect(self._written)
        shown_layout = QVBoxLayout(shown)
        shown_layout.setContentsMargins(0, 0, 0, 0)
        shown_layout.addWidget(self.panel)
        shown_layout.addWidget(self.after)
        shown_layout.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)

        self.pages = QStackedWidget()
        self.pages.addWidget(confirm)
        self.pages.addWidget(shown)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setMinimumWidth(min(760, max(600, self.fontMetrics().averageCharWidth() * 66)))
        self._typed()

    @staticmethod
    def work(ws: Workspace, passphrase: str) -> tuple[str, str]:  # noqa: ARG004
        """On the database thread (no widgets here): make the key; returns it and a
        sentence to show with it."""
        return new_recovery(ws), ""

    # -- sizing -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self.key_made:
            (self.passphrase if self.asks_passphrase else self.cancel).setFocus()
        self.fit()

    def fit(self) -> None:
        """As tall as the current page's wrapped text needs, never taller than the screen."""
        page = self.pages.currentWidget()
        layout, page_layout = self.layout(), page.layout() if page else None
        if layout is None or page_layout is None:
            return
        for stale in (self.panel.layout(), page_layout, layout):
            if stale is not None:
                stale.invalidate()  # wrapped text changed: no cached heights
        margins = layout.contentsMargins()
        need = page_layout.totalHeightForWidth(self.width() - margins.left() - margins.right())
        need += margins.top() + margins.bottom()
        screen = self.screen()
        if screen is not None:
            need = min(need, screen.availableGeometry().height() * 95 // 100)
        if need > self.height():
            self.resize(self.width(), need)

    # -- making the key ---------------------------------------------------------------------
    def _typed(self) -> None:
        ready = not self.asks_passphrase or bool(self.passphrase.text())
        self.go.setEnabled(ready and not self.running and not self.key_made)
        if self.asks_passphrase and self.go.isEnabled():
            self.go.setDefault(True)  # (Qt moves the default off a disabled button)
        if (self.asks_passphrase and not self.running and self.passphrase.text()
                and self.status.objectName() == "errorMessage"):
            self.status.hide()  # typing again: the refusal has been read
        if self.asks_passphrase:
            self.passphrase.setAccessibleDescription("" if ready else REKEY_NEED_PASSPHRASE)

    def start(self) -> None:
        if self.running or self.key_made or not self.go.isEnabled():
            return
        self.running = True
        secret = self.passphrase.text()
        self.passphrase.clear()  # handed to the work; not kept in the window
        self.passphrase.setEnabled(False)
        self.go.setEnabled(False)
        self.cancel.setEnabled(False)
        self._status(self.working_text)
        self.bar.show()

        ws, make = self.ws, self.work

        def work(_state: TaskState) -> tuple[str, str]:
            return make(ws, secret)

        try:
            self.runner.run_db(work, owner=self, on_done=self._made, on_error=self._failed)
        except RuntimeError:  # the runner has shut down (the app is closing)
            self.running = False
            self.reject()

    def _status(self, text: str, *, error: bool = False) -> None:
        show_message(self.status, text, error=error)
        self.status.show()
        QTimer.singleShot(0, self, self.fit)

    def _made(self, made: tuple[str, str]) -> None:
        key, after = made
        self.running = False
        self.key_made = True
        self.bar.hide()
        self.after.setText(after)
        self.after.setVisible(bool(after))
        self.pages.setCurrentIndex(1)
        self.panel.set_key(key)
        self.made.emit(self.made_text)
        QTimer.singleShot(0, self, self.fit)

    def _failed(self, sentence: str) -> None:
        self.running = False
        self.bar.hide()
        self.passphrase.setEnabled(True)
        self.cancel.setEnabled(True)
        self._status(self.failed_text.format(sentence=sentence), error=True)
        self._typed()
        (self.passphrase if self.asks_passphrase else self.cancel).setFocus()

    def _written(self, ticked: bool) -> None:
        self.done_button.setEnabled(ticked)
        self.done_button.setDefault(ticked)

    # -- closing ----------------------------------------------------------------------------
    def _may_close(self) -> bool:
        if self.running:
            return False
        if self.key_made and not self.panel.written.isChecked():
            self.panel.remind()  # shown only now: not closed until it is noted
            return False
        return True

    def _forget(self) -> None:
        self.panel.clear()
        self.passphrase.clear()

    def accept(self) -> None:
        if self._may_close():
            self._forget()
            super().accept()

    def reject(self) -> None:
        if not self._may_close():
            return
        self._forget()
        if self.key_made:
            super().accept()
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._may_close():
            event.ignore()
            return
        self._forget()
        super().closeEvent(event)


class NewRecoveryKeyDialog(KeyDialog):
    """A new recovery key; the old printed one stops working."""


class RekeyDialog(KeyDialog):
    """The whole database under a new key, proven with the administrator's passphrase."""

    made_text = REKEY_MADE
    title = REKEY_TITLE
    warning_text = REKEY_WARNING
    details_text = REKEY_DETAILS
    go_text = REKEY_GO
    working_text = REKEY_WORKING
    failed_text = REKEY_NOT_DONE
    key_help = REKEY_KEY_HELP
    asks_passphrase = True

    @staticmethod
    def work(ws: Workspace, passphrase: str) -> tuple[str, str]:
        try:
            result: RekeyResult = rekey(ws, passphrase)
        except WrongPassphrase:
            raise InvalidInput(REKEY_WRONG) from None
        names = ", ".join(result.removed_users)
        return (result.recovery_key,
                REKEY_USERS.format(names=names) if names else REKEY_NO_USERS)


class RecoveryKeyBox(QGroupBox):
    """The group in the Backup tab; hidden unless the signed-in user may manage keys."""

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(BOX_TITLE, parent)
        self.ws, self.runner = ws, runner
        intro = QLabel(BOX_INTRO)
        intro.setWordWrap(True)
        self.button = QPushButton(BUTTON)
        self.button.setAccessibleName(BUTTON_NAME)
        self.button.clicked.connect(self.make_new_key)
        rekey_intro = QLabel(REKEY_INTRO)
        rekey_intro.setWordWrap(True)
        self.rekey_button = QPushButton(REKEY_BUTTON)
        self.rekey_button.setAccessibleName(REKEY_BUTTON_NAME)
        self.rekey_button.clicked.connect(self.re_encrypt)
        self.message = MessageLine()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(ButtonRow(self.button))
        layout.addWidget(rekey_intro)
        layout.addWidget(ButtonRow(self.rekey_button))
        layout.addWidget(self.message)
        allowed = can(ws, ACTION)
        self.button.setEnabled(allowed)
        self.rekey_button.setEnabled(allowed)
        self.setVisible(allowed)

    def _open(self, kind: type[KeyDialog]) -> KeyDialog | None:
        """Open a dialog (window-modal, not a nested loop); returns it for tests."""
        if not can(self.ws, ACTION):
            return None
        dialog = kind(self.ws, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.made.connect(self._made)
        dialog.open()
        return dialog

    def make_new_key(self) -> KeyDialog | None:
        return self._open(NewRecoveryKeyDialog)

    def re_encrypt(self) -> KeyDialog | None:
        return self._open(RekeyDialog)

    def _made(self, said: str) -> None:
        now = QDateTime.currentDateTime().toString("HH:mm")
        self.message.say(said.format(time=now))
        self.runner.notify_changed("users")  # after a rekey, who can sign in has changed
