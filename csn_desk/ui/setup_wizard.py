"""The first-run set-up wizard, shown when the data folder is empty.

Pages: this site and organisation (and whether to load the starter directory); the first
administrator with a passphrase whose strength shows as it is typed (paste allowed); the work
itself, on the task runner's database thread; then the recovery key, shown once, with Copy and
Print, and a tick "I have written it down" before Finish. Finishing emits ``setup_done`` with
the administrator's username; the app then opens the login window.

The first page also offers "Restore from a backup file" instead: choose the ``.csnbak`` file,
unlock it with an administrator's username and passphrase or with the recovery key, and the
restore (``csn_desk.backup.restore_backup``, all or nothing) runs in the background with its
progress shown. A wrong secret or a damaged file is refused with a plain sentence and the
folder stays empty; a good restore ends on a page saying so, and Finish opens the login window
as after a set-up.

"Set up" on the administrator page is a commit page: once the database exists there is no
going back to change it (if the work fails, nothing was kept and "Try again" is offered). The
recovery key lives only in this window's memory and is wiped from the label on Finish.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from csn_desk.backup.restore import RestoreResult
from csn_desk.errors import InvalidInput
from csn_desk.passphrases import MIN_LENGTH, strength
from csn_desk.ui.recovery_key import (
    RECOVERY_HELP,
    TICK_FIRST,
    RecoveryKeyPanel,
    recovery_sheet_html,
)
from csn_desk.ui.tasks import TaskRunner, TaskState

__all__ = ["RECOVERY_HELP", "SetupWizard", "recovery_sheet_html", "username_problem"]

USERNAME_CHARS = "._-"
# Page ids, in the order of the two paths: new site (site, admin, work, recovery key) and
# restore (site -> restore -> restored).
SITE_ID, ADMIN_ID, WORK_ID, RECOVERY_ID, RESTORE_ID, RESTORED_ID = range(6)

CHOICE_QUESTION = "What would you like to do?"
CHOICE_NEW = "Set up this computer for a ne&w site"
CHOICE_RESTORE = "&Restore this site from a backup file"
RESTORE_TITLE = "Restore from a backup"
RESTORE_INTRO = ("Choose the backup file (its name ends in .csnbak) and unlock it with an "
                 "administrator's passphrase or the recovery key. It is checked before "
                 "anything is kept.")
UNLOCK_PASSPHRASE = "Unlock with an administrator's &passphrase"
UNLOCK_RECOVERY = "Unlock with the recovery &key"
RESTORE_BUTTON = "&Restore"
RESTORE_NEED_FILE = "Backup file: choose the backup file to restore."
RESTORE_NO_FILE = "Backup file: there is no file there. Choose it again."
RESTORE_NEED_USER = "Username: type the administrator's username, for example 'j.smith'."
RESTORE_NEED_PASSPHRASE = "Passphrase: type that administrator's passphrase."
RESTORE_NEED_KEY = "Recovery key: type it from the printed sheet (6 groups of 5)."
RESTORE_READY = "Ready: choose Restore."
RESTORE_RUNNING = "Restoring. This can take a minute for a large backup..."
RESTORE_FAILED = "Not restored; nothing was kept and the data folder is still empty."
RESTORE_WRONG_PASSPHRASE = ("Passphrase: that is not the passphrase of '{user}' in this backup. "
                            "Check Caps Lock and try again, or use the recovery key.")
RESTORE_UNKNOWN_USER = ("Username: there is no user called '{user}' in this backup. Check the "
                        "spelling, or use the recovery key.")
RESTORED_TITLE = "The backup is restored"
RESTORED_TEXT = ("The backup made on {when} has been restored and checked ({rows} records). "
                 "Choose Finish, then sign in as usual: the usernames and passphrases are "
                 "the ones in use when the backup was made.")


def username_problem(name: str) -> str | None:
    """Why a username is refused (the same rule as ``accounts``), or None."""
    clean = name.strip().lower()
    if not clean:
        return "Type a username for the administrator, for example 'j.smith'."
    if len(clean) > 64 or not all(c.isalnum() or c in USERNAME_CHARS for c in clean):
        return ("Username: use letters, digits, dots, dashes or underscores (up to 64), "
                "for example 'j.smith'.")
    return None


def _one_of(owner: QWidget, *texts: str) -> tuple[QButtonGroup, list[QRadioButton]]:
    """Radio buttons for one question, the first chosen; each named for screen readers as
    it reads (without the & of its shortcut)."""
    group = QButtonGroup(owner)
    buttons = []
    for text in texts:
        button = QRadioButton(text)
        button.setAccessibleName(text.replace("&", ""))
        group.addButton(button)
        buttons.append(button)
    buttons[0].setChecked(True)
    return group, buttons


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
        question = QLabel(CHOICE_QUESTION)
        self.choice, (self.new_site, self.restore) = _one_of(self, CHOICE_NEW, CHOICE_RESTORE)
        self.restore.toggled.connect(self._chosen)
        self.site = QLineEdit()
        self.organisation = QLineEdit()
        self.starter = QCheckBox("&Load the Darlington starter directory of local services")
        self.starter.setChecked(True)
        self.starter.setAccessibleName("Load the Darlington starter directory")
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 8, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        _labelled(form, "&Site (this counter)", self.site, "Site name")
        _labelled(form, "&Organisation", self.organisation, "Organisation name")
        form.addRow("", self.starter)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(self.new_site)
        layout.addWidget(self.restore)
        layout.addWidget(self.details)
        layout.addStretch(1)
        self.registerField("site*", self.site)
        self.registerField("organisation*", self.organisation)

    def restoring(self) -> bool:
        return self.restore.isChecked()

    def _chosen(self) -> None:
        self.details.setVisible(not self.restoring())
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return True if self.restoring() else super().isComplete()

    def nextId(self) -> int:  # noqa: N802
        return RESTORE_ID if self.restoring() else ADMIN_ID


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
        self.panel = RecoveryKeyPanel(lambda: str(self.field("site") or ""))
        # The panel's parts, by the names the rest of the wizard (and its tests) use.
        self.key, self.copy, self.print_button = (self.panel.key, self.panel.copy,
                                                  self.panel.print_button)
        self.note, self.written = self.panel.note, self.panel.written
        self.panel.written_changed.connect(self._written)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)

    def _written(self, _ticked: bool) -> None:
        self.completeChanged.emit()

    def initializePage(self) -> None:  # noqa: N802
        self.panel.set_key(self.owner.recovery_key)

    def isComplete(self) -> bool:  # noqa: N802
        return self.written.isChecked()

    def nextId(self) -> int:  # noqa: N802
        return -1


class RestorePage(QWizardPage):
    """Choose the file and the secret; "Restore" runs the restore in the background and stays
    on this page until it has worked (a refusal is shown here, with the fields to fix)."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(RESTORE_TITLE)
        intro = QLabel(RESTORE_INTRO)
        intro.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setPlaceholderText("Choose the file, or paste where it is")
        self.choose = QPushButton("C&hoose file...")
        self.choose.setAccessibleName("Choose the backup file")
        self.choose.clicked.connect(self.choose_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.choose)
        self.how, (self.with_passphrase, self.with_recovery) = _one_of(
            self, UNLOCK_PASSPHRASE, UNLOCK_RECOVERY)
        self.username = QLineEdit()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.recovery = QLineEdit()
        self.recovery.setEchoMode(QLineEdit.EchoMode.Password)
        self.recovery.setPlaceholderText("6 groups of 5 letters and digits")
        self.show_secret = QCheckBox("Sho&w what I type")
        self.show_secret.toggled.connect(self._toggle_echo)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Restore progress")
        self.bar.hide()
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What to fix")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        file_label = QLabel("Backup &file")
        file_label.setBuddy(self.file)
        self.file.setAccessibleName("Backup file")
        form.addRow(file_label, file_row)
        form.addRow(self.with_passphrase)
        self.user_label = QLabel("&Username")
        self.pass_label = QLabel("P&assphrase")
        self.key_label = QLabel("Recovery ke&y")
        for label, field, name in ((self.user_label, self.username, "Administrator's username"),
                                   (self.pass_label, self.passphrase, "Passphrase"),
                                   (self.key_label, self.recovery, "Recovery key")):
            label.setBuddy(field)
            field.setAccessibleName(name)
        form.addRow(self.user_label, self.username)
        form.addRow(self.pass_label, self.passphrase)
        form.addRow(self.with_recovery)
        form.addRow(self.key_label, self.recovery)
        form.addRow("", self.show_secret)
        # Wrapped sentences outside the form: QFormLayout under-sizes them at large text.
        # The page scrolls (down, never sideways) when even a grown window cannot show it
        # all: large text on a small screen.
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(intro)
        body.addLayout(form)
        body.addWidget(self.status)
        body.addWidget(self.bar)
        body.addWidget(self.problem)
        body.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroller)
        self.setButtonText(QWizard.WizardButton.NextButton, RESTORE_BUTTON)
        for field in (self.file, self.username, self.passphrase, self.recovery):
            field.textChanged.connect(self._changed)
        self.with_recovery.toggled.connect(self._changed)
        self.running = False
        self.done = False
        # What stops "Restore" now (worked out once per change: it looks at the disk)
        self.trouble: str | None = RESTORE_NEED_FILE
        self._changed()

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.recovery.setEchoMode(mode)

    def initializePage(self) -> None:  # noqa: N802
        self.owner.fit_page(self)

    def choose_file(self) -> Path | None:
        """Ask for the backup file (tests replace this)."""
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose the backup file", "", "csn-desk backups (*.csnbak);;All files (*)")
        return Path(chosen) if chosen else None

    def choose_clicked(self) -> None:
        chosen = self.choose_file()
        if chosen is not None:
            self.file.setText(str(chosen))
            (self.username if self.with_passphrase.isChecked() else self.recovery).setFocus()

    def using_recovery(self) -> bool:
        return self.with_recovery.isChecked()

    def current_problem(self) -> str | None:
        name = self.file.text().strip()
        if not name:
            return RESTORE_NEED_FILE
        if not Path(name).expanduser().is_file():
            return RESTORE_NO_FILE
        if self.using_recovery():
            key = self.recovery.text()
            if not key.strip():
                return RESTORE_NEED_KEY
            from csn_desk.accounts import recovery_key_problem
            trouble = recovery_key_problem(key)
            return f"Recovery key: {trouble[0].lower()}{trouble[1:]}" if trouble else None
        if (trouble := username_problem(self.username.text())) is not None:
            return (RESTORE_NEED_USER if not self.username.text().strip()
                    else trouble)
        if not self.passphrase.text():
            return RESTORE_NEED_PASSPHRASE
        return None

    def _changed(self) -> None:
        recovery = self.using_recovery()
        for widget in (self.user_label, self.username, self.pass_label, self.passphrase):
            widget.setEnabled(not recovery and not self.running)
        for widget in (self.key_label, self.recovery):
            widget.setEnabled(recovery and not self.running)
        self.trouble = self.current_problem()
        if not self.running:
            self._say(self.trouble or RESTORE_READY)
        self.completeChanged.emit()

    def _say(self, text: str, *, error: bool = False) -> None:
        """The problem line; a refusal is styled as an error (and says so in words)."""
        name = "errorMessage" if error else ""
        if self.problem.objectName() != name:
            self.problem.setObjectName(name)
            self.problem.setStyleSheet("/* restyle */")
        self.problem.setText(text)
        self.problem.setAccessibleDescription(text)

    def isComplete(self) -> bool:  # noqa: N802
        return not self.running and (self.done or self.trouble is None)

    def validatePage(self) -> bool:  # noqa: N802
        """"Restore" starts the work and stays here; the wizard moves on when it worked."""
        if self.done:
            return True
        if not self.running and self.current_problem() is None:
            self.start()
        return False

    def nextId(self) -> int:  # noqa: N802
        return RESTORED_ID

    def start(self) -> None:
        self.running = True
        for widget in (self.file, self.choose, self.with_passphrase, self.with_recovery,
                       self.show_secret):
            widget.setEnabled(False)
        self._changed()
        back = self.owner.button(QWizard.WizardButton.BackButton)
        if back is not None:
            back.setEnabled(False)  # (set again by the wizard when the page is complete)
        self.problem.setText("")
        self.status.setText(RESTORE_RUNNING)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.owner.run_restore(self)

    def progress(self, done: int, total: int, text: str) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        if text:
            self.status.setText(f"{text}...")

    def _stopped(self) -> None:
        self.running = False
        self.bar.hide()
        # The secrets are not kept once used, whatever happened.
        self.passphrase.clear()
        self.recovery.clear()
        for widget in (self.file, self.choose, self.with_passphrase, self.with_recovery,
                       self.show_secret):
            widget.setEnabled(True)

    def succeeded(self) -> None:
        self._stopped()
        self.done = True
        self.status.setText("Restored.")
        self._changed()
        self.owner.next()

    def failed(self, sentence: str) -> None:
        self._stopped()
        self._changed()
        self.status.setText(RESTORE_FAILED)
        self._say(sentence, error=True)
        self.owner.fit_page(self)
        QTimer.singleShot(50, self, lambda: self.scroller.ensureWidgetVisible(self.problem))
        target = self.recovery if self.using_recovery() else self.passphrase
        if sentence.startswith("Username:"):
            target = self.username
        elif sentence.startswith("That backup file") or sentence.startswith("The backup file"):
            target = self.file
        target.setFocus()


class RestoredPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(RESTORED_TITLE)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.text.setAccessibleName(RESTORED_TITLE)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        result = self.owner.restored
        if result is None:
            return
        when = result.created_at
        try:
            from csn_desk.timefmt import uk_datetime
            when = uk_datetime(datetime.fromisoformat(when.replace("Z", "+00:00")))
        except ValueError:
            pass
        self.text.setText(RESTORED_TEXT.format(when=when, rows=f"{result.rows:,}"))
        self.text.setFocus()

    def nextId(self) -> int:  # noqa: N802
        return -1


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
        self.restore_page = RestorePage(self)
        self.restored_page = RestoredPage(self)
        self.restored: RestoreResult | None = None
        for page_id, page in ((SITE_ID, self.site_page), (ADMIN_ID, self.admin_page),
                              (WORK_ID, self.work_page), (RECOVERY_ID, self.recovery_page),
                              (RESTORE_ID, self.restore_page),
                              (RESTORED_ID, self.restored_page)):
            self.setPage(page_id, page)
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

    def data_made(self) -> None:
        """The data now exists and cannot be undone from here: Cancel goes (it would only
        have carried on to the login, like Finish). Escape still asks for the tick first."""
        self.setOption(QWizard.WizardOption.NoCancelButton, True)

    def _created(self, recovery: str) -> None:
        self.data_made()
        self.recovery_key = recovery
        # The passphrases are not needed any more; do not keep them in the widgets.
        self.admin_page.passphrase.clear()
        self.admin_page.repeat.clear()
        self.work_page.succeeded()

    def fit_page(self, page: QWizardPage) -> None:
        """Grow the window (never past the screen) so a page's wrapped text is not cut
        short: QWizard sizes itself from its pages' hints, which ignore word wrap."""
        QTimer.singleShot(0, self, lambda: self._grow_for(page))

    def _grow_for(self, page: QWizardPage) -> None:
        if not page.isVisible():
            return
        screen = self.screen()
        room = screen.availableGeometry() if screen is not None else None
        # Wider at larger text (about 70 characters), never wider than the screen.
        width = max(self.width(), self.fontMetrics().averageCharWidth() * 70)
        if room is not None:
            width = min(width, room.width() * 9 // 10)
        if width > self.width():
            self.resize(width, self.height())
            self.fit_page(page)  # the height once the new width is laid out
            return
        scroll = getattr(page, "scroller", None)
        if isinstance(scroll, QScrollArea):
            content = scroll.widget()
            inner = content.layout() if content is not None else None
            if inner is None:
                return
            inner.invalidate()
            extra = (inner.totalHeightForWidth(scroll.viewport().width())
                     - scroll.viewport().height())
        else:
            layout = page.layout()
            if layout is None:
                return
            layout.invalidate()
            need = (layout.totalHeightForWidth(page.width()) if layout.hasHeightForWidth()
                    else layout.totalSizeHint().height())
            extra = need - page.height()
        if extra <= 0:
            return
        height = self.height() + extra
        if room is not None:
            height = min(height, room.height() * 95 // 100)
        self.resize(self.width(), height)

    def run_restore(self, page: RestorePage) -> None:
        from csn_desk.backup import restore_backup
        from csn_desk.errors import UnknownUser, WrongPassphrase

        data_dir = self.data_dir
        file = Path(page.file.text().strip()).expanduser()
        recovery = page.using_recovery()
        username = None if recovery else page.username.text().strip().lower()
        secret = page.recovery.text() if recovery else page.passphrase.text()

        def work(state: TaskState) -> RestoreResult:
            try:
                return restore_backup(file, data_dir, secret, username, state.progress)
            except WrongPassphrase:
                raise InvalidInput(RESTORE_WRONG_PASSPHRASE.format(user=username)) from None
            except UnknownUser:
                raise InvalidInput(RESTORE_UNKNOWN_USER.format(user=username)) from None

        self.runner.run_db(work, on_done=self._restored, on_error=page.failed,
                           on_progress=page.progress, owner=self)

    def _restored(self, result: RestoreResult) -> None:
        self.data_made()
        self.restored = result
        self.restore_page.succeeded()

    def admin_username(self) -> str:
        if self.restored is not None:
            return ("" if self.restore_page.using_recovery()
                    else self.restore_page.username.text().strip().lower())
        return self.admin_page.username.text().strip().lower()

    def reject(self) -> None:
        """Escape (Cancel has gone once the data exists) is refused until the recovery key
        is noted; after that, and after a restore, it carries on to the login."""
        if self.work_page.running or self.restore_page.running:
            return
        if self.restored is not None:  # the data is in place: carry on to the login
            self.accept()
            return
        if self.work_page.done and not self.recovery_page.written.isChecked():
            self.recovery_page.note.setText(TICK_FIRST)
            return
        if self.work_page.done:
            self.accept()
            return
        super().reject()

    def accept(self) -> None:
        username = self.admin_username()
        self.recovery_key = ""
        self.recovery_page.panel.clear()
        super().accept()
        self.setup_done.emit(username)
