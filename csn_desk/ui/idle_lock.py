"""The idle lock: after a quiet spell the main window hides everything personal and asks for
the signed-in user's passphrase; Ctrl+L locks at once.

How it hides: the main window's central widget is moved into a stack beside a lock screen,
and locking just switches the stack (and disables the hidden content, so its shortcuts do not
fire). Nothing is destroyed, so half-typed text survives the lock. Open dialogs of the window
are hidden while locked and shown again afterwards.

Timing (WCAG 2.2.1, standards UI-10): the idle time is a per-computer setting (default 5
minutes, up to 50, or off); 20 seconds before locking a bar says so with a countdown and an
"I'm still here" button, and any key press, click or mouse movement extends the time. Tests
inject the times in milliseconds with ``set_timing``.

Unlocking checks the passphrase against the key file on the task runner's database thread
(Argon2 takes a moment) and shares the sign-in throttle, so the lock screen is no shortcut for
guessing. The audit log gets "auth:unlock" (with the number of failed tries, if any).
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.login_throttle import LoginThrottle, throttled_unlock, wait_message
from csn_desk.ui import settings, theme
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

IDLE_KEY = "security/idle_lock_minutes"
DEFAULT_MINUTES = 5
CHOICES = (0, 1, 2, 5, 10, 15, 30, 50)  # minutes; 0 = off. 50 is 10x the default.
WARNING_MS = 20_000
LOCK_SHORTCUT = "Ctrl+L"
ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
                      QEvent.Type.MouseMove, QEvent.Type.TouchBegin})


def idle_minutes() -> int:
    value = settings.store().value(IDLE_KEY, DEFAULT_MINUTES)
    try:
        minutes = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_MINUTES
    return minutes if minutes in CHOICES else DEFAULT_MINUTES


def set_idle_minutes(minutes: int) -> None:
    settings.store().setValue(IDLE_KEY, int(minutes))


def choice_label(minutes: int) -> str:
    if minutes == 0:
        return "Never (off)"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class LockScreen(QWidget):
    """What shows while locked: who is signed in, a passphrase field, Unlock and Sign out."""

    def __init__(self, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        heading = QLabel("Screen locked")
        heading.setObjectName("heading")
        text = QLabel(f"The screen is locked to keep personal data private. "
                      f"{display_name} is signed in: type the passphrase to carry on, "
                      f"or sign out so someone else can sign in.")
        text.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        label = QLabel("&Passphrase")
        label.setBuddy(self.passphrase)
        self.message = QLabel("")
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock problem")
        self.message.hide()
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.sign_out_button = QPushButton("Sign &out")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(label, self.passphrase)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_out_button)
        buttons.addWidget(self.unlock_button)
        box = QVBoxLayout()
        box.setSpacing(12)
        box.addWidget(heading)
        box.addWidget(text)
        box.addLayout(form)
        box.addWidget(self.message)
        box.addLayout(buttons)
        inner = QWidget()
        inner.setLayout(box)
        # A fixed width (about 46 characters at the current text size) lets the wrapped text
        # get the height it needs; an alignment-centred box was cut off after two lines.
        self.inner = inner
        self._fit_width()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(inner)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.setTabOrder(self.passphrase, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.sign_out_button)

    def _fit_width(self) -> None:
        self.inner.setFixedWidth(self.fontMetrics().averageCharWidth() * 46)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the text size setting changed
            self._fit_width()

    def show_error(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.show()
        self.passphrase.setAccessibleDescription(sentence)


class WarningBar(QFrame):
    """The 20-second warning above the page, with a countdown and "I'm still here"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idleWarning")
        self.text = QLabel("")
        self.text.setObjectName("errorMessage")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Screen lock warning")
        self.still_here = QPushButton("I'm &still here")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.still_here)

    def set_seconds(self, seconds: int) -> None:
        self.text.setText(f"The screen locks in {seconds} second{'s' if seconds != 1 else ''} "
                          f"to keep personal data private. Press any key to keep working.")


class IdleLock(QObject):
    """Installed on a main window by ``install``; ``lock()``/``locked`` for code and tests."""

    locked_changed = Signal(bool)
    sign_out_requested = Signal()

    def __init__(self, window: QMainWindow, ws: Workspace, runner: TaskRunner) -> None:
        super().__init__(window)
        self.window, self.ws, self.runner = window, ws, runner
        self.locked = False
        self.checking = False
        self._hidden_dialogs: list[QDialog] = []
        self._focus: QWidget | None = None
        self.lock_action: QAction | None = None      # set by install()
        self.choices: QActionGroup | None = None     # the "Lock the screen after" menu

        content = window.takeCentralWidget()
        self.content = content if content is not None else QWidget()
        self.screen = LockScreen(ws.user.display_name)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.screen)
        self.warning = WarningBar()
        self.warning.hide()
        wrapper = QWidget()
        wrapper.setObjectName("lockWrapper")
        layout = QVBoxLayout(wrapper)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.warning)
        layout.addWidget(self.stack, 1)
        window.setCentralWidget(wrapper)

        self.screen.passphrase.returnPressed.connect(self.submit)
        self.screen.unlock_button.clicked.connect(self.submit)
        self.screen.sign_out_button.clicked.connect(self.sign_out_requested.emit)
        self.warning.still_here.clicked.connect(self.extend)

        self.since = QElapsedTimer()
        self.since.start()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.idle_ms = 0
        self.warning_ms = WARNING_MS
        self.set_timing(idle_minutes() * 60_000, WARNING_MS)
        self.attached = False  # the window attaches it when shown (not while it is built)

    # -- watching for activity ------------------------------------------------------------
    def attach(self) -> None:
        """Watch the whole application for activity (while the window is open)."""
        app = QApplication.instance()
        if isinstance(app, QApplication) and not self.attached:
            theme.install_app_event_filter(app, self)
            self.attached = True

    def detach(self) -> None:
        """Stop watching: a closed window's lock would otherwise see every event of the app."""
        app = QApplication.instance()
        if isinstance(app, QApplication) and self.attached:
            theme.remove_app_event_filter(app, self)
            self.attached = False

    # -- timing ---------------------------------------------------------------------------
    def set_timing(self, idle_ms: int, warning_ms: int = WARNING_MS) -> None:
        """Lock after ``idle_ms`` of no activity (0 = never), warning ``warning_ms`` before."""
        self.idle_ms, self.warning_ms = max(0, idle_ms), max(0, min(warning_ms, idle_ms))
        self.extend()
        if self.idle_ms:
            self.timer.start(max(10, min(1000, self.idle_ms // 20)))
        else:
            self.timer.stop()

    def extend(self) -> None:
        """Activity: start the quiet spell again and take the warning away."""
        self.since.restart()
        if self.warning.isVisible():
            self.warning.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802, ARG002
        if not self.locked and event.type() in ACTIVITY:
            self.extend()
        return False

    def _tick(self) -> None:
        if self.locked or not self.idle_ms:
            return
        quiet = self.since.elapsed()
        if quiet >= self.idle_ms:
            self.lock()
        elif quiet >= self.idle_ms - self.warning_ms:
            self.warning.set_seconds(max(1, -(-(self.idle_ms - quiet) // 1000)))
            self.warning.show()

    # -- lock and unlock ------------------------------------------------------------------
    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and self.content.isAncestorOf(focus) else None
        self.warning.hide()
        self._hidden_dialogs = [d for d in self.window.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        self.stack.setCurrentWidget(self.screen)
        self.content.setEnabled(False)
        self.screen.message.hide()
        self.screen.passphrase.clear()
        self.screen.passphrase.setFocus()
        self.locked_changed.emit(True)

    def submit(self) -> None:
        """Check the typed passphrase (off the GUI thread); unlock if it is right."""
        if not self.locked or self.checking:
            return
        secret = self.screen.passphrase.text()
        if not secret:
            self.screen.show_error("Type your passphrase, then press Enter.")
            return
        # Said at once while a wait is due (a tiny file read); the service checks it again.
        wait = LoginThrottle(self.ws.db.paths.root).wait_seconds()
        if wait > 0:
            self.screen.show_error(wait_message(wait))
            return
        self.checking = True
        self.screen.unlock_button.setEnabled(False)
        ws = self.ws
        self.runner.run_db(lambda _state: throttled_unlock(ws, secret),
                           on_done=lambda _none: self._unlocked(), on_error=self._refused,
                           owner=self)

    def _refused(self, sentence: str) -> None:
        self.checking = False
        self.screen.unlock_button.setEnabled(True)
        self.screen.show_error(sentence)
        self.screen.passphrase.selectAll()
        self.screen.passphrase.setFocus()

    def _unlocked(self) -> None:
        self.checking = False
        self.screen.unlock_button.setEnabled(True)
        self.screen.passphrase.clear()
        self.screen.passphrase.setAccessibleDescription("")
        self.screen.message.hide()
        self.content.setEnabled(True)
        self.stack.setCurrentWidget(self.content)
        self.locked = False
        for dialog in self._hidden_dialogs:
            dialog.show()
        self._hidden_dialogs = []
        if self._focus is not None:
            self._focus.setFocus()
        self.extend()
        self.locked_changed.emit(False)


def install(window: QMainWindow, ws: Workspace, runner: TaskRunner, menu: QMenu) -> IdleLock:
    """Put the idle lock on ``window``: "Lock now" (Ctrl+L) and "Lock the screen after" in
    ``menu``. Call after the window's central widget is set."""
    idle = IdleLock(window, ws, runner)
    lock_now = QAction("&Lock now", window)
    lock_now.setShortcut(QKeySequence(LOCK_SHORTCUT))
    lock_now.triggered.connect(idle.lock)
    menu.addAction(lock_now)
    window.addAction(lock_now)  # the shortcut works whether or not the menu bar is shown
    after = menu.addMenu("Lock the screen &after")
    group = QActionGroup(window)
    current = idle_minutes()
    for minutes in CHOICES:
        action = QAction(choice_label(minutes), window, checkable=True)
        action.setChecked(minutes == current)
        action.setData(minutes)
        group.addAction(action)
        after.addAction(action)

    def chosen(action: QAction) -> None:
        minutes = int(action.data())
        set_idle_minutes(minutes)
        idle.set_timing(minutes * 60_000, WARNING_MS)

    group.triggered.connect(chosen)
    idle.choices, idle.lock_action = group, lock_now
    return idle
