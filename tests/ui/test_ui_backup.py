"""Admin > Backup and retention on a real encrypted workspace: Back up now (in the background,
reports the checked file), the reminder, the schedule's periods, preview and run."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from csn_desk.backup import last_backup, verify_backup
from csn_desk.protection.retention import load_schedule
from csn_desk.ui.admin.backup_tab import BackupTab
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

TIMEOUT = 20000


def _tab(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> BackupTab:
    tab = BackupTab(ws, runner)
    qtbot.addWidget(tab)
    tab.resize(1000, 760)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads >= 1, timeout=TIMEOUT)
    return tab


def test_back_up_now_writes_a_checked_file_and_clears_the_reminder(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, tmp_path: Path,
        monkeypatch: object) -> None:
    tab = _tab(qtbot, ws, runner)
    assert "never" in tab.last_label.text()
    assert tab.reminder.isVisible() and "never been backed up" in tab.reminder.text()
    stick = tmp_path / "usb"
    stick.mkdir()
    tab.choose_folder = lambda: stick  # type: ignore[method-assign]
    loads = tab.loads
    tab.backup_button.click()
    assert not tab.backup_button.isEnabled()  # busy in the background
    qtbot.waitUntil(lambda: tab.backups == 1 and tab.loads > loads, timeout=TIMEOUT)
    (file,) = stick.glob("*.csnbak")
    assert "written and checked" in tab.backup_message.shown_text()
    assert file.name in tab.backup_message.shown_text()
    assert verify_backup(file, ws.db.key).site_id == ws.site_id
    assert last_backup(ws) is not None and "never" not in tab.last_label.text()
    assert not tab.reminder.isVisible()
    tab.grab().save("/tmp/ui-backup-tab.png")


def test_a_failed_backup_says_so(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                 tmp_path: Path) -> None:
    tab = _tab(qtbot, ws, runner)
    tab.back_up_to(tmp_path / "unplugged")
    qtbot.waitUntil(lambda: tab.backup_message.is_error, timeout=TIMEOUT)
    assert "No backup was made" in tab.backup_message.shown_text()
    assert "plug in the USB stick" in tab.backup_message.shown_text()
    assert tab.backup_button.isEnabled()


def test_periods_save_and_preview_and_run_show_counts(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    tab = _tab(qtbot, ws, runner)
    assert "6 years after the last contact" in tab.words["client_details"].text()
    tab.spins["client_details"].setValue(3)
    loads = tab.loads
    tab.save_button.click()
    qtbot.waitUntil(lambda: tab.loads > loads, timeout=TIMEOUT)
    assert {r.key: r.years for r in load_schedule(ws)}["client_details"] == 3
    assert "3 years after the last contact" in tab.words["client_details"].text()
    tab.preview_button.click()
    qtbot.waitUntil(lambda: "If it ran today" in tab.result.text(), timeout=TIMEOUT)
    assert "Client details: 0 would change" in tab.result.text()
    tab.run_button.click()
    qtbot.waitUntil(lambda: "Done today" in tab.result.text(), timeout=TIMEOUT)
    assert "Audit log: 0 changed" in tab.result.text()
    tab.grab().save("/tmp/ui-backup-tab-retention.png")


def test_main_window_runs_retention_after_sign_in_and_today_shows_the_reminder(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, tmp_path: Path) -> None:
    from csn_desk.protection.retention import last_run
    from csn_desk.ui.main_window import MainWindow
    from csn_desk.ui.today.page import TodayPage

    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    window.show()
    today = window.pages["today"]
    assert isinstance(today, TodayPage)
    qtbot.waitUntil(lambda: today.loads >= 1 and last_run(ws) is not None, timeout=TIMEOUT)
    assert today.backup_reminder.isVisible()
    assert "never been backed up" in today.backup_reminder.text()
    window.grab().save("/tmp/ui-today-backup-reminder.png")
    loads = today.loads
    tab = window.pages["admin"].tab["backup"]  # type: ignore[attr-defined]
    assert isinstance(tab, BackupTab)
    tab.back_up_to(tmp_path)
    qtbot.waitUntil(lambda: tab.backups == 1 and today.loads > loads, timeout=TIMEOUT)
    assert not today.backup_reminder.isVisible()
