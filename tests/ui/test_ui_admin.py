"""The Admin page on a real encrypted workspace: letter templates (save, refuse an unknown
placeholder inline, insert a placeholder from the list, restore the default after a
confirmation, preview a sample), print settings, the site's letterhead; only administrators
see the page, and the services refuse anyone else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QMessageBox, QScrollArea
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, sign_in
from csn_desk.documents.settings import PrintSettings, load_print_settings
from csn_desk.documents.templates import default_template, get_template
from csn_desk.sites import site_details
from csn_desk.ui import theme
from csn_desk.ui.admin.letters_tab import LettersTab
from csn_desk.ui.admin.page import AdminPage
from csn_desk.ui.admin.printing_tab import PrintingTab
from csn_desk.ui.admin.site_tab import SiteTab
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 20000
FOLLOWUP = "followup_letter"


def _page(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> AdminPage:
    page = AdminPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    qtbot.waitUntil(lambda: all(getattr(t, "loads", 0) >= 1 for t in page.tab.values()),
                    timeout=TIMEOUT)
    return page


def _letters(page: AdminPage) -> LettersTab:
    tab = page.tab["letters"]
    assert isinstance(tab, LettersTab)
    return tab


def _choose(tab: LettersTab, kind: str) -> None:
    tab.chooser.setCurrentIndex(tab.chooser.findData(kind))
    assert tab.kind == kind


def _save(qtbot: QtBot, tab: LettersTab | PrintingTab | SiteTab) -> None:
    before = tab.saves
    tab.save_button.click()
    qtbot.waitUntil(lambda: tab.saves > before or tab.message.is_error, timeout=TIMEOUT)


@pytest.fixture
def coordinator(ws: Workspace, data_dir: Path) -> Iterator[Workspace]:
    add_user(ws, "cora.c", "Cora Coordinator", "coordinator", PASSPHRASE, kdf=FAST_KDF,
             check_strength=False)
    other = sign_in(data_dir, "cora.c", PASSPHRASE)
    yield other
    other.close()


# -- letters -----------------------------------------------------------------------------------
def test_a_template_is_saved_and_printed_from_then_on(qtbot: QtBot, ws: Workspace,
                                                      runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    default = default_template(FOLLOWUP)
    assert tab.editor_text() == (default.subject, default.body)
    assert "default letter" in tab.state_label.text()
    assert not tab.restore_button.isEnabled()  # nothing to restore yet
    tab.subject.setText("How did it go?")
    tab.body.setPlainText("Dear {client_first_name}\n\nPlease call {site_phone}.\n\n"
                          "{staff_name}")
    assert "not saved" in tab.state_label.text()
    assert tab.chooser.currentText().endswith("(not saved)")
    _save(qtbot, tab)
    assert not tab.message.is_error, tab.message.text()
    assert tab.message.shown_text().startswith("Saved.")
    stored = get_template(ws, FOLLOWUP)
    assert not stored.is_default
    assert stored.subject == "How did it go?"
    assert stored.body == "Dear {client_first_name}\n\nPlease call {site_phone}.\n\n{staff_name}"
    assert "changed this letter" in tab.state_label.text()
    assert not tab.chooser.currentText().endswith("(not saved)")
    assert tab.restore_button.isEnabled()


def test_an_unknown_placeholder_is_refused_inline(qtbot: QtBot, ws: Workspace,
                                                  runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    tab.body.setPlainText("Dear {client_first_name}\n\nCall {site_phon}.")
    tab.save_button.click()
    text = tab.message.shown_text()
    assert text.startswith("Not saved.")
    assert "{site_phon}" in text and "Did you mean {site_phone}?" in text
    assert tab.message.objectName() == "errorMessage"
    assert tab.body.accessibleDescription() in text  # read out at the editor too
    assert tab.body.hasFocus() or not tab.isActiveWindow()
    assert get_template(ws, FOLLOWUP).is_default  # nothing was saved
    tab.body.setPlainText("Dear {client_first_name}\n\nUnbalanced { brace.")
    tab.save_button.click()
    assert "without its pair" in tab.message.shown_text()
    assert get_template(ws, FOLLOWUP).is_default


def test_a_placeholder_goes_in_at_the_cursor_on_enter(qtbot: QtBot, ws: Workspace,
                                                      runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    tab.body.setPlainText("Call us on .")
    tab.body.setFocus()
    cursor = tab.body.textCursor()
    cursor.setPosition(len("Call us on "))
    tab.body.setTextCursor(cursor)
    qtbot.waitUntil(lambda: tab.body.hasFocus() or not tab.isActiveWindow(), timeout=TIMEOUT)
    tab._target = tab.body  # as the focus-in event sets it
    names = [tab.placeholders.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(tab.placeholders.count())]
    assert "site_phone" in names and "client_address" not in names  # this letter's own
    tab.placeholders.setCurrentRow(names.index("site_phone"))
    tab.placeholders.setFocus()
    qtbot.keyClick(tab.placeholders, Qt.Key.Key_Return)
    assert tab.body.toPlainText() == "Call us on {site_phone}."
    # and into the subject when that was the last field used
    tab.subject.setText("Hello ")
    tab.subject.setFocus()
    tab._target = tab.subject
    tab.subject.end(False)
    item = tab.placeholders.item(names.index("client_first_name"))
    tab.placeholders.itemActivated.emit(item)  # what a double-click does
    assert tab.subject.text() == "Hello {client_first_name}"


def test_restore_default_asks_first(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    tab.body.setPlainText("Dear {client_first_name}\n\nOur own words.")
    _save(qtbot, tab)
    assert not get_template(ws, FOLLOWUP).is_default

    tab.restore_button.click()
    box = tab.confirm_box
    assert box is not None and box.isVisible()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.No).click()  # keep my changes
    qtbot.wait(50)
    assert not runner.busy
    assert not get_template(ws, FOLLOWUP).is_default

    tab.restore_button.click()
    box = tab.confirm_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: tab.restores == 1, timeout=TIMEOUT)
    assert get_template(ws, FOLLOWUP).is_default
    default = default_template(FOLLOWUP)
    assert tab.editor_text() == (default.subject, default.body)
    assert tab.message.shown_text() == "The default letter is back."
    assert not tab.restore_button.isEnabled()


def test_unsaved_edits_survive_looking_at_the_other_template(qtbot: QtBot, ws: Workspace,
                                                             runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    tab.body.setPlainText("Work in progress {site_name}")
    _choose(tab, "referral_letter")
    assert tab.body.toPlainText() == default_template("referral_letter").body
    referral_names = [tab.placeholders.item(i).data(Qt.ItemDataRole.UserRole)
                      for i in range(tab.placeholders.count())]
    assert "client_address" in referral_names
    _choose(tab, FOLLOWUP)
    assert tab.body.toPlainText() == "Work in progress {site_name}"
    assert "not saved" in tab.state_label.text()


def test_preview_sample_letter(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    _choose(tab, FOLLOWUP)
    tab.body.setPlainText("Dear {client_first_name}\n\nCall us on {site_phone?}.")
    tab.preview_button.click()
    preview = tab.preview
    assert preview is not None
    qtbot.waitUntil(lambda: preview.productions >= 1 or bool(preview.message_text()),
                    timeout=TIMEOUT)
    assert preview.prepared is not None, preview.message_text()
    assert preview.prepared.pages == 1 and preview.document is not None
    assert preview.document.pageCount() == 1
    assert "Zoë" in preview.document.getAllText(0).text()  # the example name, unsaved text
    preview.close()
    # a template that cannot print is not previewed
    tab.body.setPlainText("Dear {nobody}")
    tab.preview_button.click()
    assert tab.message.shown_text().startswith("Cannot preview yet.")


# -- printing ----------------------------------------------------------------------------------
def test_print_settings_are_saved(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    page.show_tab("printing")
    tab = page.tab["printing"]
    assert isinstance(tab, PrintingTab)
    assert tab.settings() == PrintSettings()
    tab.spins["window_left_mm"].setValue(110)
    tab.spins["window_top_mm"].setValue(50)
    tab.spins["window_width_mm"].setValue(90)
    tab.spins["window_height_mm"].setValue(35)
    tab.paper.setCurrentIndex(tab.paper.findData("A5"))
    tab.qr.setChecked(False)
    assert "110 mm from the left" in tab.drawing.accessibleDescription()
    _save(qtbot, tab)
    assert tab.message.shown_text().startswith("Saved."), tab.message.text()
    assert load_print_settings(ws) == PrintSettings(110.0, 50.0, 90.0, 35.0, "A5", False)


def test_a_window_off_the_page_is_refused(qtbot: QtBot, ws: Workspace,
                                          runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    tab = page.tab["printing"]
    assert isinstance(tab, PrintingTab)
    tab.spins["window_left_mm"].setValue(150)  # 150 + 95 mm is past the 210 mm edge
    assert "must lie on the A4 page" in tab.window_text.text()
    _save(qtbot, tab)
    assert tab.message.is_error
    assert tab.message.shown_text() == ("Not saved. The envelope window must lie on the A4 "
                                        "page (210 by 297 mm).")
    assert load_print_settings(ws) == PrintSettings()
    tab.defaults_button.click()
    assert tab.settings() == PrintSettings()


# -- this site ---------------------------------------------------------------------------------
def test_site_details_are_saved(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    page = _page(qtbot, ws, runner)
    page.show_tab("site")
    tab = page.tab["site"]
    assert isinstance(tab, SiteTab)
    assert tab.fields["name"].text() == "Test Counter"
    for name, value in (("name", "Hurworth Drop-in"), ("phone", "01325 000000"),
                        ("email", "dropin@example.org"), ("address_line1", "1 Example Street"),
                        ("post_town", "Darlington"), ("postcode", "dl1 1aa")):
        tab.fields[name].setText(value)
    seen: list[str] = []
    runner.data_changed.connect(seen.append)
    _save(qtbot, tab)
    assert tab.message.shown_text().startswith("Saved."), tab.message.text()
    details = site_details(ws)
    assert (details.name, details.phone, details.email, details.address_line1,
            details.post_town, details.postcode) == (
        "Hurworth Drop-in", "01325 000000", "dropin@example.org", "1 Example Street",
        "Darlington", "DL1 1AA")
    assert details.address_line2 is None
    assert tab.fields["postcode"].text() == "DL1 1AA"  # shown as stored
    assert "site" in seen
    tab.fields["name"].setText("  ")
    qtbot.keyClick(tab.fields["name"], Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=TIMEOUT)
    assert tab.message.shown_text() == "Not saved. The site needs a name."
    assert site_details(ws).name == "Hurworth Drop-in"


# -- who sees it -------------------------------------------------------------------------------
def test_only_administrators_see_the_admin_page(qtbot: QtBot, ws: Workspace,
                                                coordinator: Workspace,
                                                runner: TaskRunner) -> None:
    admin = MainWindow(ws, runner)
    qtbot.addWidget(admin)
    assert isinstance(admin.pages["admin"], AdminPage)
    other = MainWindow(coordinator, runner)
    qtbot.addWidget(other)
    assert "admin" not in other.page_keys()
    assert not other.findChildren(AdminPage)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)


def test_the_services_refuse_a_non_administrator(qtbot: QtBot, coordinator: Workspace,
                                                 runner: TaskRunner) -> None:
    """Even if the page were reached some other way, nothing is changed."""
    page = _page(qtbot, coordinator, runner)
    letters = _letters(page)
    letters.body.setPlainText("Dear {client_first_name}")
    _save(qtbot, letters)
    assert letters.message.shown_text() == ("Not saved. Only an administrator can change "
                                            "letter templates.")
    site = page.tab["site"]
    assert isinstance(site, SiteTab)
    site.fields["phone"].setText("01325 999999")
    _save(qtbot, site)
    assert "Only an administrator" in site.message.shown_text()
    printing = page.tab["printing"]
    assert isinstance(printing, PrintingTab)
    _save(qtbot, printing)
    assert "Only an administrator" in printing.message.shown_text()
    assert get_template(coordinator, FOLLOWUP).is_default


@pytest.mark.parametrize("percent", [100, 200])
def test_every_tab_is_named_and_reflows(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                        qapp: QApplication, percent: int) -> None:
    theme.apply_text_scale(qapp, percent)
    page = _page(qtbot, ws, runner)
    page.resize(900, 700)
    found: list[str] = []
    for key in page.tab:
        page.show_tab(key)
        qtbot.wait(20)
        found += problems(page, f"admin {key} at {percent}%")
        areas = page.tab[key].findChildren(QScrollArea)
        assert areas
        for area in areas:
            assert not area.horizontalScrollBar().isVisible(), \
                f"{key} scrolls sideways at {percent}%"
    assert found == [], "\n".join(found)


def test_text_cursor_helper_is_real(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    """Guard for the insert test: moving the cursor really changes where text goes."""
    page = _page(qtbot, ws, runner)
    tab = _letters(page)
    tab.body.setPlainText("ab")
    cursor = tab.body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    tab.body.setTextCursor(cursor)
    tab._target = tab.body
    tab.insert_placeholder("site_name")
    assert tab.body.toPlainText() == "{site_name}ab"
