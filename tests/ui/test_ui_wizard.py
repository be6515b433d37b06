"""The first-run set-up wizard, end to end on a real encrypted data folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from csn_desk.accounts import sign_in
from csn_desk.directory.search import SearchFilters, search_services
from csn_desk.login_throttle import FREE_ATTEMPTS, LoginThrottle
from csn_desk.store.paths import DataPaths
from csn_desk.ui.app import AppController
from csn_desk.ui.login import LoginWindow
from csn_desk.ui.setup_wizard import SetupWizard, recovery_sheet_html
from csn_desk.ui.single_instance import SingleInstance
from csn_desk.ui.tasks import TaskRunner

PASSPHRASE = "copper-lantern-meadow-91"


def _wizard(qtbot: QtBot, data_dir: Path, runner: TaskRunner) -> SetupWizard:
    wizard = SetupWizard(data_dir, runner)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def _next(wizard: SetupWizard) -> None:
    which = (QWizard.WizardButton.CommitButton if wizard.currentPage().isCommitPage()
             else QWizard.WizardButton.NextButton)
    button = wizard.button(which)
    assert button.isEnabled()
    button.click()


def _fill_site_and_admin(qtbot: QtBot, wizard: SetupWizard, *, starter: bool) -> None:
    site = wizard.site_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # both names are required
    qtbot.keyClicks(site.site, "Darlington Market Place")
    qtbot.keyClicks(site.organisation, "Darlington CSN")
    site.starter.setChecked(starter)
    _next(wizard)
    admin = wizard.admin_page
    assert wizard.currentPage() is admin
    qtbot.keyClicks(admin.username, "J.Smith")
    qtbot.keyClicks(admin.display_name, "Jo Smith")
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    qtbot.keyClicks(admin.passphrase, "short")
    assert "at least 12 characters" in admin.problem.text()
    assert admin.problem.text().startswith("Passphrase:")  # names the field
    assert not commit.isEnabled()
    admin.passphrase.clear()
    QApplication.clipboard().setText(PASSPHRASE)  # pasting is allowed
    admin.passphrase.setFocus()
    qtbot.keyClick(admin.passphrase, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert admin.passphrase.text() == PASSPHRASE
    assert admin.strength.text() in ("Strength: Strong", "Strength: Very strong")
    assert admin.problem.text().startswith("Repeat passphrase:")
    qtbot.keyClicks(admin.repeat, PASSPHRASE)
    assert admin.problem.text() == "Ready: choose Set up."
    assert commit.isEnabled() and "Set up" in commit.text()


def test_wizard_end_to_end_then_the_admin_can_sign_in(qtbot: QtBot, data_dir: Path,
                                                      runner: TaskRunner) -> None:
    wizard = _wizard(qtbot, data_dir, runner)
    _fill_site_and_admin(qtbot, wizard, starter=True)
    assert wizard.button(QWizard.WizardButton.CancelButton).isVisible()  # nothing made yet
    _next(wizard)  # "Set up": the work runs on the task runner
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=60000)
    assert DataPaths(data_dir).exists()
    page = wizard.recovery_page
    key = page.key.text()
    assert len(key) == 35 and key.count("-") == 5
    assert wizard.admin_page.passphrase.text() == ""  # not kept in the widget

    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()        # the tick is required
    # The data exists: no Cancel button that would only act like Finish.
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    wizard.reject()                      # Escape is refused before the tick...
    assert wizard.isVisible() and "Tick the box" in page.note.text()
    qtbot.mouseClick(page.copy, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == key
    page.written.setChecked(True)
    assert finish.isEnabled()
    with qtbot.waitSignal(wizard.setup_done, timeout=5000) as done:
        finish.click()
    assert done.args == ["j.smith"]
    assert page.key.text() == "" and wizard.recovery_key == ""

    ws = sign_in(data_dir, "j.smith", PASSPHRASE)
    try:
        assert ws.site_name == "Darlington Market Place"
        assert ws.organisation_name == "Darlington CSN"
        assert ws.user.display_name == "Jo Smith" and ws.user.role == "admin"
        assert search_services(ws, "", SearchFilters(), 5)  # the starter directory loaded
    finally:
        ws.close()
    sign_in(data_dir, "j.smith", PASSPHRASE).close()  # and again: nothing left locked


def test_wizard_without_starter_directory(qtbot: QtBot, data_dir: Path,
                                          runner: TaskRunner) -> None:
    wizard = _wizard(qtbot, data_dir, runner)
    _fill_site_and_admin(qtbot, wizard, starter=False)
    _next(wizard)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=60000)
    ws = sign_in(data_dir, "j.smith", PASSPHRASE)
    try:
        assert search_services(ws, "", SearchFilters(), 5) == []
    finally:
        ws.close()


def test_failed_set_up_offers_try_again(qtbot: QtBot, tmp_path: Path,
                                        runner: TaskRunner) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should go")
    wizard = _wizard(qtbot, blocker / "data", runner)
    _fill_site_and_admin(qtbot, wizard, starter=False)
    _next(wizard)
    work = wizard.work_page
    qtbot.waitUntil(work.message.isVisible, timeout=30000)
    assert work.retry.isVisible() and not work.done
    assert wizard.currentPage() is work
    assert "Traceback" not in work.message.text()


def test_cancel_before_set_up_creates_nothing(qtbot: QtBot, data_dir: Path,
                                              runner: TaskRunner) -> None:
    wizard = _wizard(qtbot, data_dir, runner)
    qtbot.keyClicks(wizard.site_page.site, "Somewhere")
    wizard.reject()
    assert not wizard.isVisible()
    assert not data_dir.exists()


def test_recovery_sheet_escapes_the_site_name() -> None:
    sheet = recovery_sheet_html("ABCDE-FGHJK", "<b>Site</b> & Co")
    assert "ABCDE-FGHJK" in sheet and "&lt;b&gt;Site&lt;/b&gt; &amp; Co" in sheet


def test_empty_folder_opens_the_wizard_then_the_login(qtbot: QtBot, data_dir: Path) -> None:
    guard = SingleInstance(data_dir.parent / "lock-here")
    assert guard.claim()
    controller = AppController(data_dir, False, guard)
    try:
        assert controller.start()
        wizard = controller.window
        assert isinstance(wizard, SetupWizard)
        _fill_site_and_admin(qtbot, wizard, starter=False)
        _next(wizard)
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=60000)
        wizard.recovery_page.written.setChecked(True)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        login = controller.window
        assert isinstance(login, LoginWindow)
        assert login.user.currentText() == "j.smith"
        # The login window applies the throttle: ten failures already on file -> a wait.
        throttle = LoginThrottle(data_dir)
        for _ in range(FREE_ATTEMPTS):
            throttle.record_failure()
        qtbot.keyClicks(login.passphrase, PASSPHRASE)
        qtbot.keyClick(login.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(login.message.isVisible, timeout=10000)
        assert login.message.text().startswith("Too many attempts; wait ")
        assert controller.ws is None
    finally:
        controller.shutdown()
