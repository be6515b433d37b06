"""The idle lock on the real main window and a real encrypted data folder (times in ms)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from csn_desk.login_throttle import FREE_ATTEMPTS, LoginThrottle
from csn_desk.store.models.audit import AuditEvent
from csn_desk.ui import idle_lock
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE


def _window(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> tuple[MainWindow, QLineEdit]:
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    # Stand-in for a half-typed enquiry: a line edit on the current page.
    page = window.pages[window.current_page_key()]
    entry = QLineEdit(page)
    entry.setAccessibleName("Notes")
    page.layout().addWidget(entry)  # type: ignore[union-attr]
    window.show()
    qtbot.waitExposed(window)
    return window, entry


def test_idle_lock_hides_data_keeps_unsaved_text_and_unlocks(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    window, entry = _window(qtbot, ws, runner)
    lock = window.idle_lock
    entry.setFocus()
    qtbot.keyClicks(entry, "needs a lift to hospital")
    # The warning shows from 0.3 s of quiet until the lock at 1.5 s: wide enough that a busy
    # machine's late timer tick can't jump straight past it to the lock.
    lock.set_timing(idle_ms=1500, warning_ms=1200)

    qtbot.waitUntil(lock.warning.isVisible, timeout=5000)      # the warning comes first
    assert "locks in" in lock.warning.text.text()
    qtbot.keyClick(entry, Qt.Key.Key_Shift)                      # any key press extends
    assert lock.warning.isHidden() and not lock.locked

    qtbot.waitUntil(lambda: lock.locked, timeout=5000)
    assert not window.stack.isVisible()                          # no page shows any data
    assert not entry.isVisible() and not entry.isEnabled()
    assert lock.screen.isVisible() and lock.screen.passphrase.hasFocus()
    assert entry.text() == "needs a lift to hospital"            # nothing destroyed

    qtbot.keyClicks(lock.screen.passphrase, "not-my-passphrase")
    qtbot.keyClick(lock.screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lock.screen.message.isVisible, timeout=10000)
    assert "passphrase is not right" in lock.screen.message.text()
    assert lock.locked and not entry.isVisible()

    lock.screen.passphrase.clear()
    qtbot.keyClicks(lock.screen.passphrase, PASSPHRASE)
    with qtbot.waitSignal(lock.locked_changed, timeout=10000) as changed:
        qtbot.keyClick(lock.screen.passphrase, Qt.Key.Key_Return)
    assert changed.args == [False]
    assert entry.isVisible() and entry.isEnabled() and window.stack.isVisible()
    assert entry.text() == "needs a lift to hospital"
    assert lock.screen.passphrase.text() == ""
    with ws.db.read() as s:
        actions = s.execute(select(AuditEvent.action, AuditEvent.detail)).all()
    assert ("auth:unlock", "1 failed attempts before") in [tuple(a) for a in actions]
    lock.set_timing(0)


def test_manual_lock_shortcut_and_sign_out(qtbot: QtBot, ws: Workspace,
                                           runner: TaskRunner) -> None:
    window, _entry = _window(qtbot, ws, runner)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.nav.setFocus()
    assert window.idle_lock.lock_action is not None
    assert window.idle_lock.lock_action.shortcut().toString() == "Ctrl+L"
    qtbot.keyClick(window.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.idle_lock.locked
    with qtbot.waitSignal(window.sign_out_requested, timeout=2000):
        qtbot.mouseClick(window.idle_lock.screen.sign_out_button, Qt.MouseButton.LeftButton)


def test_unlock_shares_the_sign_in_throttle(qtbot: QtBot, ws: Workspace,
                                            runner: TaskRunner, data_dir: Path) -> None:
    window, _entry = _window(qtbot, ws, runner)
    throttle = LoginThrottle(data_dir)
    for _ in range(FREE_ATTEMPTS):
        throttle.record_failure()
    window.idle_lock.lock()
    qtbot.keyClicks(window.idle_lock.screen.passphrase, PASSPHRASE)
    qtbot.keyClick(window.idle_lock.screen.passphrase, Qt.Key.Key_Return)
    assert "Too many attempts; wait" in window.idle_lock.screen.message.text()
    assert window.idle_lock.locked and not window.idle_lock.checking  # never tried


def test_idle_time_setting_is_remembered_and_can_be_off(qtbot: QtBot, ws: Workspace,
                                                        runner: TaskRunner) -> None:
    assert idle_lock.idle_minutes() == idle_lock.DEFAULT_MINUTES
    window, _entry = _window(qtbot, ws, runner)
    lock = window.idle_lock
    assert lock.idle_ms == 5 * 60_000 and lock.timer.isActive()
    assert lock.choices is not None
    labels = {a.text(): a for a in lock.choices.actions()}
    assert max(idle_lock.CHOICES) >= 10 * idle_lock.DEFAULT_MINUTES
    labels["50 minutes"].trigger()
    assert idle_lock.idle_minutes() == 50 and lock.idle_ms == 50 * 60_000
    labels["Never (off)"].trigger()
    assert idle_lock.idle_minutes() == 0 and not lock.timer.isActive()
