"""The login window on a real encrypted data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from csn_desk.accounts import usernames
from csn_desk.ui.login import DEMO_BANNER, LoginWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE


def _login(qtbot: QtBot, data_dir: Path, runner: TaskRunner, **kw: object) -> LoginWindow:
    window = LoginWindow(data_dir, runner, usernames(data_dir), **kw)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.usefixtures("ws")
def test_sign_in_with_enter(qtbot: QtBot, data_dir: Path,
                            runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner)
    assert window.user.currentText() == "admin"
    assert window.passphrase.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(window.passphrase, PASSPHRASE)
    with qtbot.waitSignal(window.signed_in, timeout=10000) as signed:
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
        assert not window.sign_in_button.isEnabled()  # disabled while unlocking
        assert "Checking" in window.progress.text()
    signed_in: Workspace = signed.args[0]
    try:
        assert signed_in.user.username == "admin"
        assert signed_in.site_name == "Test Counter"
    finally:
        signed_in.close()
    assert window.message.isHidden()
    assert window.passphrase.text() == ""  # not kept in the widget after use


@pytest.mark.usefixtures("ws")
def test_wrong_passphrase_shows_a_plain_message(qtbot: QtBot, data_dir: Path,
                                                runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner)
    received: list[object] = []
    window.signed_in.connect(received.append)
    qtbot.keyClicks(window.passphrase, "not-the-passphrase")
    qtbot.mouseClick(window.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.message.isVisible, timeout=10000)
    assert "passphrase is not right" in window.message.text()
    assert "Caps Lock" in window.message.text()
    assert window.passphrase.accessibleDescription() == window.message.text()
    assert window.sign_in_button.isEnabled()
    assert window.passphrase.selectedText() == "not-the-passphrase"  # retyping replaces it
    assert received == []


@pytest.mark.usefixtures("ws")
def test_empty_passphrase_is_caught_before_unlocking(qtbot: QtBot,
                                                     data_dir: Path, runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert window.message.isVisible()
    assert window.message.text() == "Type your passphrase, then press Enter."
    assert not runner.busy


@pytest.mark.usefixtures("ws")
def test_paste_into_the_passphrase_field(qtbot: QtBot, data_dir: Path,
                                         runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner)
    QApplication.clipboard().setText(PASSPHRASE)
    window.passphrase.setFocus()
    window.passphrase.paste()
    assert window.passphrase.text() == PASSPHRASE
    with qtbot.waitSignal(window.signed_in, timeout=10000) as signed:
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    signed.args[0].close()


@pytest.mark.usefixtures("ws")
def test_demo_login_shows_banner_and_prefills(qtbot: QtBot, data_dir: Path,
                                              runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner, demo=True, demo_login=("admin", PASSPHRASE))
    texts = [label.text() for label in window.findChildren(type(window.progress))]
    assert DEMO_BANNER in texts
    assert any("Demo login" in t and PASSPHRASE in t for t in texts)
    assert "DEMO DATA" in window.windowTitle()
    assert window.passphrase.text() == PASSPHRASE
    with qtbot.waitSignal(window.signed_in, timeout=10000) as signed:
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    signed.args[0].close()


@pytest.mark.usefixtures("ws")
def test_real_data_has_no_demo_banner(qtbot: QtBot, data_dir: Path,
                                      runner: TaskRunner) -> None:
    window = _login(qtbot, data_dir, runner)
    texts = [label.text() for label in window.findChildren(type(window.progress))]
    assert DEMO_BANNER not in texts
    assert "DEMO" not in window.windowTitle()
