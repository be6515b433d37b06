"""Admin > Backup and retention > "Make a new recovery key…" on a real encrypted workspace:
the administrator confirms, sees the new key once (Copy, Print, the tick before Done); the
new key opens the data and the old one no longer does; anyone else never sees the button."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from csn_desk.accounts import sign_in_with_recovery
from csn_desk.errors import InvalidInput
from csn_desk.ui import theme
from csn_desk.ui.admin.backup_tab import BackupTab
from csn_desk.ui.admin.keys import KeyDialog, RecoveryKeyBox
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.ui.conftest import signed_in_as
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 20000
MANAGER_PASS = "walnut-ferry-copper-30"


def _themed(percent: int = 100) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, percent)


def _fits(qtbot: QtBot, dialog: KeyDialog) -> None:
    page = dialog.pages.currentWidget()
    layout = page.layout()
    assert layout is not None
    qtbot.waitUntil(lambda: page.height() >= layout.totalHeightForWidth(page.width()),
                    timeout=5000)
    qtbot.wait(50)  # the last layout pass, before a screenshot


def _open(qtbot: QtBot, box: RecoveryKeyBox) -> KeyDialog:
    dialog = box.make_new_key()
    assert dialog is not None  # (a child of the box: closed and deleted with it)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # keys go to the active window
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


@pytest.fixture
def manager_ws(ws: Workspace, data_dir: Path) -> Iterator[Workspace]:
    with signed_in_as(ws, data_dir, "m.jones", "Mo Jones", "manager", MANAGER_PASS) as mine:
        yield mine


def test_admin_makes_a_new_key_and_only_it_opens_the_data(
        qtbot: QtBot, new_workspace: tuple[Workspace, str], data_dir: Path,
        runner: TaskRunner) -> None:
    ws, old_key = new_workspace
    _themed()
    try:
        tab = BackupTab(ws, runner)
        qtbot.addWidget(tab)
        tab.resize(1000, 760)
        tab.show()
        qtbot.waitUntil(lambda: tab.loads >= 1, timeout=TIMEOUT)
        box = tab.keys_box
        assert box.isVisible() and box.button.isEnabled()
        tab.grab().save("/tmp/ui-backup-tab-keys.png")

        dialog = _open(qtbot, box)
        assert dialog.cancel.isDefault() and dialog.pages.currentIndex() == 0
        _fits(qtbot, dialog)
        assert not problems(dialog, "confirm")  # names and sizes (UI-09, UI-15)
        dialog.grab().save("/tmp/ui-new-recovery-confirm.png")
        qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # "Make the new key"
        qtbot.waitUntil(lambda: dialog.key_made, timeout=TIMEOUT)
        panel = dialog.panel
        key = panel.key.text()
        assert len(key) == 35 and key.count("-") == 5 and key != old_key
        assert not dialog.done_button.isEnabled()
        dialog.reject()  # Escape/Cancel refused until the key is noted
        assert dialog.isVisible() and "Tick the box" in panel.note.text()
        qtbot.mouseClick(panel.copy, Qt.MouseButton.LeftButton)
        assert QApplication.clipboard().text() == key
        panel.written.setChecked(True)
        _fits(qtbot, dialog)
        assert not problems(dialog, "new key")
        dialog.grab().save("/tmp/ui-new-recovery-key.png")
        assert dialog.done_button.isEnabled()
        dialog.done_button.click()
        assert not dialog.isVisible() and panel.key.text() == ""
        assert "old printed key no longer works" in box.message.shown_text()
        QApplication.clipboard().clear()

        sign_in_with_recovery(data_dir, key, "admin").close()
        with pytest.raises(InvalidInput, match="does not open"):
            sign_in_with_recovery(data_dir, old_key, "admin")
    finally:
        ws.close()


def test_the_key_at_200_percent_is_not_cut_short(qtbot: QtBot, ws: Workspace,
                                                 runner: TaskRunner) -> None:
    _themed(200)
    box = RecoveryKeyBox(ws, runner)
    qtbot.addWidget(box)
    box.show()
    dialog = _open(qtbot, box)
    _fits(qtbot, dialog)
    dialog.grab().save("/tmp/ui-new-recovery-confirm-200.png")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.key_made, timeout=TIMEOUT)
    _fits(qtbot, dialog)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    dialog.grab().save("/tmp/ui-new-recovery-key-200.png")
    dialog.panel.written.setChecked(True)
    dialog.accept()


def test_cancel_makes_nothing(qtbot: QtBot, new_workspace: tuple[Workspace, str],
                              data_dir: Path, runner: TaskRunner) -> None:
    ws, old_key = new_workspace
    try:
        box = RecoveryKeyBox(ws, runner)
        qtbot.addWidget(box)
        box.show()
        dialog = _open(qtbot, box)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible() and not dialog.key_made
        assert box.message.shown_text() == ""
        sign_in_with_recovery(data_dir, old_key, "admin").close()
    finally:
        ws.close()


def test_others_never_see_the_button(qtbot: QtBot, manager_ws: Workspace,
                                     runner: TaskRunner) -> None:
    holder = QWidget()
    box = RecoveryKeyBox(manager_ws, runner)
    QVBoxLayout(holder).addWidget(box)
    qtbot.addWidget(holder)
    holder.show()
    assert box.isHidden() and not box.isVisible() and not box.button.isEnabled()
    assert box.make_new_key() is None
