"""Admin > Backup and retention > "Re-encrypt the database…" from the running main window,
on a real encrypted workspace: a wrong passphrase changes nothing; the right one re-encrypts
while the window's pages, timers and queued work carry on; the new recovery key is shown once
with the users who now need a new passphrase; afterwards the old key no longer opens the file,
the administrator's passphrase and the new recovery key do, and a backup (a read and a write
through the new engine) works.

It also checks the assumption the rekey relies on in the app: every unit of work on the
database ran on the task runner's one database thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, reset_passphrase, sign_in, sign_in_with_recovery
from csn_desk.errors import CsnError, InvalidInput, UnknownUser
from csn_desk.store.database import Database
from csn_desk.store.engine import connect
from csn_desk.ui import theme
from csn_desk.ui.admin.backup_tab import BackupTab
from csn_desk.ui.admin.keys import RekeyDialog
from csn_desk.ui.admin.users_tab import UsersTab
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 30000
COUNTER_PASS = "walnut-ferry-copper-30"
KEPT = ("user", "site", "organisation")


def _rows(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    raw = ws.db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in KEPT}
    finally:
        raw.close()


def test_rekey_from_the_running_main_window(
        qtbot: QtBot, new_workspace: tuple[Workspace, str], data_dir: Path,
        runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, old_recovery = new_workspace
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 100)  # the app's own look, as people see it
    add_user(ws, "j.smith", "Jo Smith", "counter", COUNTER_PASS)
    old_key, before = ws.db.key, _rows(ws)
    errors: list[str] = []
    runner.error_shown.connect(errors.append)
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    seen: list[str] = []
    real_read, real_write = Database.read, Database.write
    monkeypatch.setattr(Database, "read", lambda self: (
        seen.append(threading.current_thread().name), real_read(self))[1])
    monkeypatch.setattr(Database, "write", lambda self, actor: (
        seen.append(threading.current_thread().name), real_write(self, actor))[1])

    window.show_page("admin")
    tab = window.pages["admin"].tab["backup"]  # type: ignore[attr-defined]
    assert isinstance(tab, BackupTab)
    box = tab.keys_box
    assert box.rekey_button.isEnabled()
    dialog = box.re_encrypt()
    assert isinstance(dialog, RekeyDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert dialog.passphrase.hasFocus() and not dialog.go.isEnabled()  # the passphrase first
    assert not problems(dialog, "rekey")  # names and sizes (UI-09, UI-15)

    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)  # nothing typed: nothing happens
    assert dialog.isVisible() and not dialog.running
    qtbot.keyClicks(dialog.passphrase, "not-my-passphrase-at-all")
    dialog.go.click()
    assert dialog.passphrase.text() == ""  # handed over, not kept
    qtbot.waitUntil(lambda: not dialog.running, timeout=TIMEOUT)
    assert dialog.status.text().startswith("Nothing was changed")
    assert dialog.status.objectName() == "errorMessage" and not dialog.key_made
    assert ws.db.key == old_key
    qtbot.wait(50)
    dialog.grab().save("/tmp/ui-rekey-refused.png")

    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)  # typed, so Enter goes ahead
    assert dialog.running
    loads = tab.loads
    tab.load()                          # work queued behind the rekey...
    runner.notify_changed("clients")    # ...and pages refreshing themselves
    qtbot.waitUntil(lambda: dialog.key_made, timeout=TIMEOUT)
    assert ws.db.key != old_key
    key = dialog.panel.key.text()
    assert len(key) == 35 and "j.smith" in dialog.after.text()
    qtbot.wait(50)
    dialog.grab().save("/tmp/ui-rekey-key.png")
    dialog.reject()  # not before the tick
    assert dialog.isVisible()
    dialog.panel.written.setChecked(True)
    dialog.done_button.click()
    assert not dialog.isVisible()
    assert "re-encrypted" in box.message.shown_text()
    qtbot.waitUntil(lambda: tab.loads > loads and not runner.busy, timeout=TIMEOUT)
    users = window.pages["admin"].tab["users"]  # type: ignore[attr-defined]
    assert isinstance(users, UsersTab)  # reloaded by itself: who can sign in has changed
    shown = {users.model.text(users.model.row_at(i), 1): users.model.text(
        users.model.row_at(i), 3) for i in range(users.model.rowCount())}
    assert shown["admin"] == "Yes"
    assert shown["j.smith"].startswith("Not yet: needs a new passphrase")

    tab.back_up_to(tmp_path)            # a read and a write through the new engine
    qtbot.waitUntil(lambda: tab.backups == 1, timeout=TIMEOUT)
    assert "written and checked" in tab.backup_message.shown_text()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert len(errors) == 1 and errors[0].startswith("Your passphrase:")  # only the refusal
    assert seen and all(name.startswith("csn-db") for name in seen), set(seen)
    monkeypatch.undo()
    window.close()

    assert _rows(ws) == before
    with pytest.raises(CsnError):
        connect(ws.db.paths.database, old_key).execute("SELECT count(*) FROM user")
    sign_in(data_dir, "admin", PASSPHRASE).close()
    sign_in_with_recovery(data_dir, key, "admin").close()
    with pytest.raises(InvalidInput):
        sign_in_with_recovery(data_dir, old_recovery, "admin")
    with pytest.raises(UnknownUser):
        sign_in(data_dir, "j.smith", COUNTER_PASS)
    # What the dialog tells the administrator to do next works.
    with sign_in(data_dir, "admin", PASSPHRASE) as admin:
        reset_passphrase(admin, "j.smith", key, "granite-puffin-sunrise-58")
    sign_in(data_dir, "j.smith", "granite-puffin-sunrise-58").close()
