"""The first-run set-up wizard, shown when the data folder is empty.

Pages: this site and organisation (and whether to load the starter directory); the first
administrator with a passphrase whose strength shows as it is typed (paste allowed); the work
itself, on the task runner's database thread; then the recovery key, shown once, with Copy and
Print, and a tick "I have written it down" before Finish. Finishing emits ``setup_done`` with
the administrator's username; the app then opens the login window.

"Set up" on the administrator page is a commit page: once the database exists there is no
going back to change it (if the work fails, nothing was kept and "Try again" is offered). The
recovery key lives only in this window's memory and is wiped from the label on Finish.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from csn_desk.passphrases import MIN_LENGTH, strength
from csn_desk.ui.tasks import TaskRunner

USERNAME_CHARS = "._-"
RECOVERY_HELP = ("This recovery key opens the data if every passphrase is forgotten. It is "
                 "shown only now. Write it down (or print it) and keep it locked away, apart "
                 "from this computer. Without it, a forgotten passphrase means the data is lost.")


def username_problem(name: str) -> str | None:
    """Why a username is refused (the same rule as ``accounts``), or None."""
    clean = name.strip().lower()
    if not clean:
        return "Type a username for the administrator, for example 'j.smith'."
    if len(clean) > 64 or not all(c.isalnum() or c in USERNAME_CHARS for c in clean):
        return ("Username: use letters, digits, dots, dashes or underscores (up to 64), "
                "for example 'j.smith'.")
    return None


def _labelled(form: QFormLayout, text: str, field: QWidget, name: str) -> None:
    label = QLabel(text)
    label.setBuddy(field)
    field.setAccessibleName(name)
    form.addRow(label, field)


class SitePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to csn-desk")
        self.setSubTitle("Set up this computer for your counter. This takes a minute.")
        self.site = QLineEdit()
        self.organisation = QLineEdit()
        self.starter = QCheckBox("&Load the Darlington starter directory of local services")
        self.starter.setChecked(True)
        self.starter.setAccessibleName("Load the Darlington starter directory")
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        _labelled(form, "&Site (this counter)", self.site, "Site name")
        _labelled(form, "&Organisation", self.organisation, "Organisation name")
        form.addRow("", self.starter)
        self.registerField("site*", self.site)
        self.registerField("organisation*", self.organisation)


class AdminPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("The first administrator")
        # The wizard header does not wrap long subtitles well: the guidance goes in the page.
        self.setSubTitle("The administrator adds the other staff later.")
        guidance = QLabel(f"The passphrase needs at least {MIN_LENGTH} characters; a few "
                          f"ordinary words work well, and pasting from a password manager "
                          f"is fine.")
        guidance.setWordWrap(True)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_passphrase = QCheckBox("S&how passphrase")
        self.show_passphrase.toggled.connect(self._toggle_echo)
        self.strength = QLabel("Strength: nothing typed yet")
        self.strength.setWordWrap(True)
        self.strength.setAccessibleName("Passphrase strength")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What to fix")
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(guidance)
        _labelled(form, "&Username", self.username, "Username")
        _labelled(form, "&Display name", self.display_name, "Display name")
        _labelled(form, "&Passphrase", self.passphrase, "Passphrase")
        _labelled(form, "&Repeat passphrase", self.repeat, "Repeat passphrase")
        form.addRow("", self.show_passphrase)
        form.addRow(self.strength)
        form.addRow(self.problem)
        for field in (self.username, self.passphrase, self.repeat):
            field.textChanged.connect(self._changed)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Set up")

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.repeat.setEchoMode(mode)

    def current_problem(self) -> str | None:
        """The first thing stopping "Set up", in words that say how to fix it."""
        if (trouble := username_problem(self.username.text())) is not None:
            return trouble
        secret = self.passphrase.text()
        if not secret:  # (zxcvbn fails on an empty string)
            self.strength.setText("Strength: nothing typed yet")
            return f"Passphrase: type one of at least {MIN_LENGTH} characters."
        hints = [self.username.text().strip().lower(), str(self.field("site") or ""),
                 str(self.field("organisation") or "")]
        found = strength(secret, hints)
        self.strength.setText(f"Strength: {found.label}")
        if found.problem:
            return f"Passphrase: {found.problem}"
        if self.repeat.text() != secret:
            return "Repeat passphrase: type the same passphrase again."
        return None

    def _changed(self) -> None:
        trouble = self.current_problem()
        self.problem.setText(trouble or "Ready: choose Set up.")
        self.passphrase.setAccessibleDescription(trouble or "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.current_problem() is None


class WorkPage(QWizardPage):
    """Creates the data folder; moves on to the recovery key by itself when done."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Setting up")
        self.status = QLabel("Creating the encrypted database...")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName("Setting up")
        self.message = QLabel("")
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.retry = QPushButton("&Try again")
        self.retry.hide()
        self.retry.clicked.connect(self.start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.done = False
        self.running = False
        self.setCommitPage(True)

    def initializePage(self) -> None:  # noqa: N802
        if not self.done:
            self.start()

    def start(self) -> None:
        if self.running or self.done:
            return
        self.running = True
        self.message.hide()
        self.retry.hide()
        self.bar.show()
        self.status.setText("Creating the encrypted database...")
        self.owner.run_setup(self)

    def progress(self, text: str) -> None:
        self.status.setText(text)

    def succeeded(self) -> None:
        self.running, self.done = False, True
        self.bar.hide()
        self.status.setText("Done.")
        self.completeChanged.emit()
        self.owner.next()

    def failed(self, sentence: str) -> None:
        self.running = False
        self.bar.hide()
        self.status.setText("The set-up did not finish; nothing was kept.")
        self.message.setText(sentence)
        self.message.show()
        self.retry.show()
        self.retry.setFocus()

    def isComplete(self) -> bool:  # noqa: N802
        return self.done


class RecoveryPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Write down the recovery key")
        help_text = QLabel(RECOVERY_HELP)
        help_text.setWordWrap(True)
        self.key = QLabel("")
        self.key.setObjectName("recoveryKey")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(14.0, self.font().pointSizeF() * 1.4))
        font.setBold(True)
        self.key.setFont(font)
        self.key.setWordWrap(True)
        self.key.setAccessibleName("Recovery key")
        self.key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                         | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.copy = QPushButton("&Copy")
        self.copy.setAccessibleName("Copy the recovery key")
        self.copy.clicked.connect(self._copy)
        self.print_button = QPushButton("&Print...")
        self.print_button.setAccessibleName("Print the recovery key")
        self.print_button.clicked.connect(self._print)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.written = QCheckBox("&I have written down or printed the recovery key and will "
                                 "keep it somewhere safe")
        self.written.setAccessibleName("I have written down the recovery key")
        self.written.toggled.connect(lambda _on: self.completeChanged.emit())
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addWidget(self.key)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.written)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.key.setText(self.owner.recovery_key)
        self.key.setFocus()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.owner.recovery_key)
        self.note.setText("Copied. Paste it only somewhere safe, such as a password manager, "
                          "never into an ordinary document or email.")

    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setHtml(recovery_sheet_html(self.owner.recovery_key,
                                             str(self.field("site") or "")))
        document.print_(printer)
        self.note.setText("Sent to the printer. Keep the sheet locked away.")

    def isComplete(self) -> bool:  # noqa: N802
        return self.written.isChecked()


def recovery_sheet_html(key: str, site: str) -> str:
    """The printed recovery sheet: large type, the key, and what it is for."""
    return (f"<h1>csn-desk recovery key</h1><p>Site: {html.escape(site)}</p>"
            f"<p style='font-family: monospace; font-size: 24pt'><b>{html.escape(key)}</b></p>"
            f"<p style='font-size: 14pt'>{html.escape(RECOVERY_HELP)}</p>")


class SetupWizard(QWizard):
    """Emits ``setup_done(username)`` when the data folder exists and the key is noted."""

    setup_done = Signal(str)

    def __init__(self, data_dir: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir, self.runner = Path(data_dir), runner
        self.recovery_key = ""
        self.setWindowTitle("Set up csn-desk")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.site_page = SitePage()
        self.admin_page = AdminPage()
        self.work_page = WorkPage(self)
        self.recovery_page = RecoveryPage(self)
        for page in (self.site_page, self.admin_page, self.work_page, self.recovery_page):
            self.addPage(page)
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton, QWizard.WizardButton.FinishButton,
                      QWizard.WizardButton.CommitButton):
            button = self.button(which)
            if button is not None:
                button.setAccessibleName(button.text().replace("&", "").strip(" <>"))
        self.setMinimumWidth(640)

    def run_setup(self, page: WorkPage) -> None:
        from csn_desk.accounts import initialise

        data_dir = self.data_dir
        site, org = str(self.field("site")).strip(), str(self.field("organisation")).strip()
        admin = self.admin_page
        username = admin.username.text().strip().lower()
        display = admin.display_name.text().strip() or username
        secret = admin.passphrase.text()
        starter = self.site_page.starter.isChecked()

        def work(state: Any) -> str:
            ws, recovery = initialise(data_dir, site_name=site, organisation_name=org,
                                      admin_username=username, passphrase=secret,
                                      admin_display_name=display)
            try:
                if starter:
                    state.progress(0, 0, "Loading the starter directory...")
                    from csn_desk.directory.starter import load_starter_directory
                    load_starter_directory(ws)
            finally:
                ws.close()
            return recovery

        self.runner.run_db(work, on_done=self._created, on_error=page.failed,
                           on_progress=lambda _d, _t, text: page.progress(text), owner=self)

    def _created(self, recovery: str) -> None:
        self.recovery_key = recovery
        # The passphrases are not needed any more; do not keep them in the widgets.
        self.admin_page.passphrase.clear()
        self.admin_page.repeat.clear()
        self.work_page.succeeded()

    def admin_username(self) -> str:
        return self.admin_page.username.text().strip().lower()

    def reject(self) -> None:
        """Cancel is refused once the data exists until the recovery key is noted."""
        if self.work_page.running:
            return
        if self.work_page.done and not self.recovery_page.written.isChecked():
            self.recovery_page.note.setText("Tick the box once the recovery key is written "
                                            "down: it is shown only now.")
            return
        if self.work_page.done:
            self.accept()
            return
        super().reject()

    def accept(self) -> None:
        username = self.admin_username()
        self.recovery_key = ""
        self.recovery_page.key.setText("")
        super().accept()
        self.setup_done.emit(username)
