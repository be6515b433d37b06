"""File > Change my passphrase… on a real encrypted workspace: the old passphrase stops
working and the new one signs in; a wrong current passphrase or a weak new one is refused in
plain words and nothing changes; the passphrase boxes are emptied after every try."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from csn_desk.accounts import sign_in
from csn_desk.errors import WrongPassphrase
from csn_desk.ui import theme
from csn_desk.ui.change_passphrase import ChangePassphraseDialog
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.conftest import signed_in_as
from tests.ui.test_ui_accessibility import problems

NEW = "granite-puffin-sunrise-58"
COUNTER_PASS = "walnut-ferry-copper-30"
TIMEOUT = 20000


def _dialog(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> ChangePassphraseDialog:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if app.styleSheet() == "":
        theme.apply_text_scale(app, 100)  # the app's own style, as people see it
    dialog = ChangePassphraseDialog(ws, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def _fits(qtbot: QtBot, dialog: ChangePassphraseDialog) -> None:
    """No wrapped sentence is cut short: the dialog is as tall as its layout needs."""
    layout = dialog.layout()
    assert layout is not None
    qtbot.waitUntil(lambda: dialog.height() >= layout.totalHeightForWidth(dialog.width()),
                    timeout=5000)
    qtbot.wait(50)  # the last layout pass, before a screenshot


def _boxes_empty(dialog: ChangePassphraseDialog) -> bool:
    return (dialog.current.text() == dialog.secret.passphrase.text()
            == dialog.secret.repeat.text() == "")


@pytest.fixture
def counter_ws(ws: Workspace, data_dir: Path) -> Iterator[Workspace]:
    with signed_in_as(ws, data_dir, "j.smith", "Jo Smith", "counter", COUNTER_PASS) as mine:
        yield mine


def test_change_by_keyboard_then_only_the_new_passphrase_signs_in(
        qtbot: QtBot, counter_ws: Workspace, data_dir: Path, runner: TaskRunner) -> None:
    dialog = _dialog(qtbot, counter_ws, runner)
    assert dialog.current.hasFocus() and not dialog.ok.isEnabled()
    assert dialog.message.text().startswith("Current passphrase:")
    qtbot.keyClicks(dialog.current, COUNTER_PASS)
    qtbot.keyClick(dialog.current, Qt.Key.Key_Return)  # not ready: Enter does nothing
    assert dialog.isVisible() and not dialog.running and dialog.current.text() == COUNTER_PASS
    qtbot.keyClicks(dialog.secret.passphrase, "password1234")
    assert dialog.message.text().startswith("Passphrase:") and not dialog.ok.isEnabled()
    dialog.secret.passphrase.clear()
    qtbot.keyClicks(dialog.secret.passphrase, NEW)
    assert dialog.secret.strength.text() in ("Strength: Strong", "Strength: Very strong")
    assert dialog.message.text().startswith("Repeat the passphrase:")
    qtbot.keyClicks(dialog.secret.repeat, NEW)
    assert dialog.message.text() == "Ready: choose Change passphrase."
    assert not problems(dialog, "change passphrase")  # names and sizes (UI-09, UI-15)
    dialog.grab().save("/tmp/ui-change-passphrase.png")
    qtbot.keyClick(dialog.secret.repeat, Qt.Key.Key_Return)  # Enter is OK
    assert _boxes_empty(dialog)  # handed to the work, not kept in the window
    qtbot.waitUntil(lambda: dialog.changed, timeout=TIMEOUT)
    assert "has been changed" in dialog.message.text()
    assert dialog.fields.isHidden() and dialog.cancel.text() == "Close"
    _fits(qtbot, dialog)
    dialog.grab().save("/tmp/ui-change-passphrase-done.png")

    sign_in(data_dir, "j.smith", NEW).close()
    with pytest.raises(WrongPassphrase):
        sign_in(data_dir, "j.smith", COUNTER_PASS)
    sign_in(data_dir, "admin", PASSPHRASE).close()  # nobody else's changed
    qtbot.keyClick(dialog.cancel, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_wrong_current_passphrase_is_refused_and_nothing_changes(
        qtbot: QtBot, ws: Workspace, data_dir: Path, runner: TaskRunner) -> None:
    before = ws.db.paths.key_file.read_bytes()
    dialog = _dialog(qtbot, ws, runner)
    qtbot.keyClicks(dialog.current, "not-what-i-signed-in-with")
    qtbot.keyClicks(dialog.secret.passphrase, NEW)
    qtbot.keyClicks(dialog.secret.repeat, NEW)
    dialog.ok.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=TIMEOUT)
    assert dialog.message.text().startswith("Current passphrase: that is not")
    assert "nothing has been changed" in dialog.message.text()
    assert dialog.message.objectName() == "errorMessage"
    assert _boxes_empty(dialog) and dialog.current.hasFocus() and not dialog.ok.isEnabled()
    assert not dialog.changed and dialog.isVisible()
    _fits(qtbot, dialog)
    dialog.grab().save("/tmp/ui-change-passphrase-refused.png")
    assert ws.db.paths.key_file.read_bytes() == before
    sign_in(data_dir, "admin", PASSPHRASE).close()
    # Typing again replaces the refusal with what is still needed.
    qtbot.keyClicks(dialog.current, "x")
    assert dialog.message.objectName() == ""


def test_the_same_passphrase_again_is_refused(qtbot: QtBot, ws: Workspace,
                                              runner: TaskRunner) -> None:
    before = ws.db.paths.key_file.read_bytes()
    dialog = _dialog(qtbot, ws, runner)
    for field in (dialog.current, dialog.secret.passphrase, dialog.secret.repeat):
        qtbot.keyClicks(field, PASSPHRASE)
    dialog.ok.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=TIMEOUT)
    assert "same as your current one" in dialog.message.text()
    assert dialog.secret.passphrase.hasFocus()
    assert ws.db.paths.key_file.read_bytes() == before


def test_at_200_percent_nothing_is_cut_short(qtbot: QtBot, ws: Workspace,
                                             runner: TaskRunner) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 200)
    dialog = _dialog(qtbot, ws, runner)
    _fits(qtbot, dialog)
    assert dialog.width() <= 1366
    dialog.grab().save("/tmp/ui-change-passphrase-200.png")


def test_every_role_has_the_menu_item(qtbot: QtBot, counter_ws: Workspace,
                                      runner: TaskRunner) -> None:
    from csn_desk.ui.main_window import MainWindow

    window = MainWindow(counter_ws, runner)
    qtbot.addWidget(window)
    assert "admin" not in window.pages  # (so no recovery-key button either)
    action = window.change_passphrase_action
    assert action.text().replace("&", "") == "Change my passphrase…"
    assert action in window.menuBar().actions()[0].menu().actions()
    dialog = window.change_passphrase()
    assert dialog is not None and dialog.isVisible() and dialog.parent() is window
    dialog.reject()
    window.idle_lock.lock()  # not from behind the lock screen
    assert not action.isEnabled() and window.change_passphrase() is None
    window.idle_lock.set_timing(0)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    window.close()
