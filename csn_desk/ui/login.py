"""The login window: choose a user, type (or paste) the passphrase, Enter signs in.

Unlocking runs Argon2 (about 0.2 s) and opens the database, so it runs on the task runner's
database thread with the button disabled meanwhile. A failure shows its plain sentence in a
visible, bordered label that is also announced as the passphrase field's description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.login_throttle import throttled_sign_in
from csn_desk.ui.tasks import TaskRunner

DEMO_BANNER = "DEMO DATA – all people and records are fictional"


def demo_banner() -> QLabel:
    label = QLabel(DEMO_BANNER)
    label.setObjectName("demoBanner")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setAccessibleName(DEMO_BANNER)
    return label


class LoginWindow(QWidget):
    """Emits ``signed_in(Workspace)``; the caller owns the workspace from then on."""

    signed_in = Signal(object)

    def __init__(self, data_dir: Path, runner: TaskRunner, users: list[str], *,
                 demo: bool = False, demo_login: tuple[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir, self.runner = Path(data_dir), runner
        self.setWindowTitle("Sign in – csn-desk" + (" – DEMO DATA" if demo else ""))
        self.busy = False

        title = QLabel("csn-desk")
        title.setObjectName("heading")
        intro = QLabel("Sign in to the Community Support Network desk.")
        intro.setWordWrap(True)

        self.user = QComboBox()
        self.user.addItems(users)
        self.user.setAccessibleName("User")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.returnPressed.connect(self.submit)
        self.show_passphrase = QCheckBox("&Show passphrase")
        self.show_passphrase.toggled.connect(self._toggle_echo)
        self.message = QLabel("")
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in problem")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.progress = QLabel("")
        self.sign_in_button = QPushButton("Sign &in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.clicked.connect(self.submit)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        user_label = QLabel("&User")
        user_label.setBuddy(self.user)
        pass_label = QLabel("&Passphrase")
        pass_label.setBuddy(self.passphrase)
        form.addRow(user_label, self.user)
        form.addRow(pass_label, self.passphrase)
        form.addRow("", self.show_passphrase)

        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        # The window grows when the error message appears instead of squashing the form.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(12)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(title)
        layout.addWidget(intro)
        if demo and demo_login is not None:
            name, secret = demo_login
            hint = QLabel(f"Demo login (already filled in):<br>user <b>{name}</b><br>"
                          f"passphrase <b>{secret}</b>")
            hint.setWordWrap(True)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint)
            self.select_user(name)
            self.passphrase.setText(secret)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setMinimumWidth(520)
        (self.passphrase if self.user.count() else self.user).setFocus()

    def select_user(self, username: str) -> None:
        index = self.user.findText(username)
        if index >= 0:
            self.user.setCurrentIndex(index)

    def _toggle_echo(self, shown: bool) -> None:
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Normal if shown
                                    else QLineEdit.EchoMode.Password)

    def submit(self) -> None:
        if self.busy:
            return  # a double Enter signs in once
        username = self.user.currentText()
        secret = self.passphrase.text()
        if not username:
            self.show_error("There are no users on this computer yet. "
                            "Ask an administrator to add you.")
            return
        if not secret:
            self.show_error("Type your passphrase, then press Enter.")
            self.passphrase.setFocus()
            return
        self._set_busy(True)
        data_dir = self.data_dir
        self.runner.run_db(lambda _state: throttled_sign_in(data_dir, username, secret),
                           on_done=self._succeeded, on_error=self._failed, owner=self)

    def show_error(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.show()
        self.passphrase.setAccessibleDescription(sentence)
        self._fit()

    def _fit(self) -> None:
        """Grow to fit a wrapped message (top-level windows do not follow height-for-width)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.minimumSize().height())
        if self.height() < needed:
            self.resize(self.width(), needed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sign_in_button.setEnabled(not busy)
        self.user.setEnabled(not busy)
        self.passphrase.setReadOnly(busy)
        self.progress.setText("Checking the passphrase..." if busy else "")

    def _succeeded(self, ws: Any) -> None:
        self._set_busy(False)
        self.message.hide()
        self.passphrase.clear()
        self.passphrase.setAccessibleDescription("")
        self.signed_in.emit(ws)

    def _failed(self, sentence: str) -> None:
        self._set_busy(False)
        self.show_error(sentence)
        self.passphrase.setFocus()
        self.passphrase.selectAll()
