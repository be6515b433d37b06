"""The set-up wizard's other path: restore this site from a backup file into the empty data
folder, on real encrypted files (a backup made with ``make_backup``, restored through the
widgets, then signed in). A wrong passphrase and a cut-short file are refused with a plain
sentence and the folder stays empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from csn_desk.accounts import sign_in, sign_in_with_recovery
from csn_desk.backup import make_backup
from csn_desk.store.paths import DataPaths
from csn_desk.ui import theme
from csn_desk.ui.app import AppController
from csn_desk.ui.login import LoginWindow
from csn_desk.ui.setup_wizard import RestorePage, SetupWizard
from csn_desk.ui.single_instance import SingleInstance
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 30000


@pytest.fixture
def backup_file(new_workspace: tuple[Workspace, str], tmp_path: Path) -> Path:
    ws = new_workspace[0]
    stick = tmp_path / "usb"
    stick.mkdir()
    try:
        return make_backup(ws, stick).path
    finally:
        ws.close()


def _empty(folder: Path) -> bool:
    leftovers = [p for p in folder.parent.iterdir() if ".restoring-" in p.name]
    return not leftovers and (not folder.exists() or not any(folder.iterdir()))


def _to_restore_page(qtbot: QtBot, wizard: SetupWizard, file: Path) -> None:
    site = wizard.site_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # a new site needs its names...
    site.restore.setChecked(True)
    assert site.details.isHidden() and next_button.isEnabled()  # ...a restore does not
    next_button.click()
    page = wizard.restore_page
    assert wizard.currentPage() is page
    restore = wizard.button(QWizard.WizardButton.NextButton)
    assert restore.text().replace("&", "") == "Restore" and not restore.isEnabled()
    assert page.problem.text().startswith("Backup file:")
    page.choose_file = lambda: file  # type: ignore[method-assign]
    page.choose.click()
    assert page.file.text() == str(file)
    assert page.problem.text().startswith("Username:")


def _restore(qtbot: QtBot, wizard: SetupWizard) -> None:
    page = wizard.restore_page
    restore = wizard.button(QWizard.WizardButton.NextButton)
    assert page.problem.text() == "Ready: choose Restore." and restore.isEnabled()
    restore.click()
    qtbot.waitUntil(lambda: not page.running, timeout=TIMEOUT)


def _fits(qtbot: QtBot, page: RestorePage, *, scrolls: bool = False) -> None:
    """The page's wrapped text is not cut short: the wizard grew to show it all, or (large
    text on a small screen) as far as the screen allows, and the page scrolls down; never
    sideways."""
    layout = page.body.layout()
    assert layout is not None
    viewport = page.scroller.viewport()

    def fitted() -> bool:
        return (page.body.height() >= layout.totalHeightForWidth(page.body.width())
                and page.body.width() <= viewport.width()
                and (scrolls or viewport.height() >= page.body.height()))

    qtbot.waitUntil(fitted, timeout=5000)
    qtbot.wait(50)  # the last layout pass, before a screenshot
    assert fitted()


def _wizard(qtbot: QtBot, data_dir: Path, runner: TaskRunner) -> SetupWizard:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 100)  # the app's own style, as the screenshots show it
    wizard = SetupWizard(data_dir, runner)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.activateWindow()  # focus moves only in the active window
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    return wizard


def test_restore_through_the_wizard_then_sign_in(qtbot: QtBot, backup_file: Path,
                                                 tmp_path: Path) -> None:
    data_dir = tmp_path / "restored"
    guard = SingleInstance(tmp_path / "lock-here")
    assert guard.claim()
    controller = AppController(data_dir, False, guard)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 100)
    try:
        assert controller.start()
        wizard = controller.window
        assert isinstance(wizard, SetupWizard)
        wizard.grab().save("/tmp/ui-wizard-choice.png")
        _to_restore_page(qtbot, wizard, backup_file)
        page = wizard.restore_page
        qtbot.keyClicks(page.username, "Admin")
        qtbot.keyClicks(page.passphrase, PASSPHRASE)
        _fits(qtbot, page)
        assert not problems(wizard, "restore page")  # names and sizes (UI-09, UI-15)
        wizard.grab().save("/tmp/ui-wizard-restore.png")
        _restore(qtbot, wizard)
        assert wizard.currentPage() is wizard.restored_page
        assert "has been restored and checked" in wizard.restored_page.text.text()
        assert page.passphrase.text() == ""  # not kept once used
        assert not problems(wizard, "restored page")
        wizard.grab().save("/tmp/ui-wizard-restored.png")
        assert wizard.button(QWizard.WizardButton.BackButton).isHidden()
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert finish.isVisible() and finish.isEnabled()
        finish.click()
        login = controller.window
        assert isinstance(login, LoginWindow)
        assert login.user.currentText() == "admin"
    finally:
        controller.shutdown()
    ws = sign_in(data_dir, "admin", PASSPHRASE)
    try:
        assert ws.site_name == "Test Counter"
    finally:
        ws.close()


def test_wrong_passphrase_is_refused_then_the_recovery_key_works(
        qtbot: QtBot, backup_file: Path, new_workspace: tuple[Workspace, str],
        tmp_path: Path, runner: TaskRunner) -> None:
    recovery = new_workspace[1]
    data_dir = tmp_path / "restored"
    wizard = _wizard(qtbot, data_dir, runner)
    _to_restore_page(qtbot, wizard, backup_file)
    page = wizard.restore_page
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.passphrase, "not-the-right-one-at-all")
    _restore(qtbot, wizard)
    assert wizard.currentPage() is page
    assert page.problem.text().startswith("Passphrase: that is not the passphrase of 'admin'")
    assert "nothing was kept" in page.status.text()
    assert page.passphrase.text() == "" and page.passphrase.hasFocus()
    assert _empty(data_dir) and not DataPaths(data_dir).exists()
    _fits(qtbot, page)
    wizard.grab().save("/tmp/ui-wizard-restore-refused.png")

    page.with_recovery.setChecked(True)
    assert not page.passphrase.isEnabled() and page.recovery.isEnabled()
    qtbot.keyClicks(page.recovery, "ABCDE")
    assert page.problem.text().startswith("Recovery key: that does not look like")
    page.recovery.clear()
    qtbot.keyClicks(page.recovery, recovery.lower())  # typed back in any case
    _restore(qtbot, wizard)
    assert wizard.currentPage() is wizard.restored_page
    assert page.recovery.text() == ""
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()  # data is in place
    with qtbot.waitSignal(wizard.setup_done, timeout=5000) as done:
        wizard.reject()  # Escape now means "carry on": the data is in place
    assert done.args == [""]
    sign_in_with_recovery(data_dir, recovery, "admin").close()


def test_cut_short_backup_is_refused_and_the_folder_stays_empty(
        qtbot: QtBot, backup_file: Path, tmp_path: Path, runner: TaskRunner) -> None:
    short = tmp_path / "short.csnbak"
    short.write_bytes(backup_file.read_bytes()[: backup_file.stat().st_size // 2])
    data_dir = tmp_path / "restored"
    wizard = _wizard(qtbot, data_dir, runner)
    _to_restore_page(qtbot, wizard, short)
    page = wizard.restore_page
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    _restore(qtbot, wizard)
    assert wizard.currentPage() is page
    assert page.problem.text().startswith("That backup file cannot be used")
    assert page.file.hasFocus()
    assert "Traceback" not in page.problem.text()
    assert _empty(data_dir)
    # Cancel is allowed: nothing was made.
    wizard.reject()
    assert not wizard.isVisible()


def test_restore_page_at_200_percent_is_not_cut_short(qtbot: QtBot, backup_file: Path,
                                                      tmp_path: Path,
                                                      runner: TaskRunner) -> None:
    wizard = _wizard(qtbot, tmp_path / "restored", runner)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 200)
    _to_restore_page(qtbot, wizard, backup_file)
    page = wizard.restore_page
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.passphrase, "wrong-but-long-enough")
    _restore(qtbot, wizard)
    _fits(qtbot, page, scrolls=True)
    assert wizard.height() <= 768 and wizard.width() <= 1366
    wizard.grab().save("/tmp/ui-wizard-restore-200.png")
