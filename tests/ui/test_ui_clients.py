"""The Clients page on a real encrypted workspace: find as you type, the communication flag,
history, editing with field messages, and one audit event per open."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from csn_desk.clients import ClientDetail, ClientInput, add_client
from csn_desk.consents import (
    current_consents,
    default_renewal_date,
    has_consent,
    record_consent,
    uk_today,
)
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.ids import utcnow
from csn_desk.referrals import ReferralDraft
from csn_desk.store.models import AuditEvent, Client
from csn_desk.ui import settings, theme
from csn_desk.ui.clients.data import check_edit
from csn_desk.ui.clients.page import ClientsPage
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

TIMEOUT = 10000


def _people(ws: Workspace) -> str:
    margaret = add_client(ws, ClientInput("Margaret", "Thornton", date_of_birth=date(1941, 3, 9),
                                          postcode="DL1 4QB", preferred_format="large18"))
    add_client(ws, ClientInput("Margery", "Thomson", postcode="DL3 6AA"))
    add_client(ws, ClientInput("Alan", "Smith"))
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                  client_id=margaret),
                 [ReferralDraft("signposted", external_service="Dial-a-Ride",
                                follow_up_due=uk_today() + timedelta(days=14))])
    return margaret


def _page(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> ClientsPage:
    page = ClientsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    return page


def _open_by_typing(qtbot: QtBot, page: ClientsPage, text: str) -> None:
    before = page.opens
    qtbot.keyClicks(page.search_box, text)
    qtbot.waitUntil(lambda: page.searches >= 1 and page.model.rowCount() >= 1, timeout=TIMEOUT)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.opens == before + 1, timeout=TIMEOUT)


def _view_events(ws: Workspace, client_id: str) -> int:
    with ws.db.read() as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view:client", AuditEvent.entity_id == client_id)).scalar_one())


def test_find_by_part_of_name_shows_flag_and_history(qtbot: QtBot, ws: Workspace,
                                                     runner: TaskRunner) -> None:
    margaret = _people(ws)
    page = _page(qtbot, ws, runner)
    qtbot.keyClicks(page.search_box, "thorn")
    qtbot.waitUntil(lambda: page.searches >= 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT)
    row = page.model.row_at(0)
    assert row.match.id == margaret
    cells = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert cells == ["Margaret Thornton", "Large print 18 pt", "09/03/1941", "DL1 4QB"]

    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.opens == 1, timeout=TIMEOUT)
    assert page.flag_label.isVisible()
    assert "Large print 18 pt" in page.flag_label.text()
    history = page.history.toPlainText()
    assert vocab("needs").label("transport") in history
    assert "Dial-a-Ride" in history
    assert vocab("referral_statuses").label("made") in history
    assert "Documents printed" in history and "None yet." in history


def test_typing_on_drops_stale_results(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    _people(ws)
    page = _page(qtbot, ws, runner)
    page.search_box.setText("th")
    page.run_search()  # results for "th" are on their way ...
    page.search_box.setText("thoms")
    page.run_search()  # ... but "thoms" was typed since
    qtbot.waitUntil(lambda: page.searches >= 1, timeout=TIMEOUT)
    qtbot.wait(200)
    assert page.searches == 1
    assert [page.model.row_at(r).match.family_name
            for r in range(page.model.rowCount())] == ["Thomson"]


def test_bad_postcode_names_the_field_and_saves_nothing(qtbot: QtBot, ws: Workspace,
                                                        runner: TaskRunner) -> None:
    margaret = _people(ws)
    page = _page(qtbot, ws, runner)
    _open_by_typing(qtbot, page, "margaret thorn")
    postcode, town = page.fields["postcode"], page.fields["post_town"]
    assert isinstance(postcode, QLineEdit) and isinstance(town, QLineEdit)
    town.setText("Darlington")
    postcode.setText("XYZ")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.errors["postcode"].isVisible()
    assert "postcode" in page.errors["postcode"].text().lower()
    assert "DL1 1AA" in page.errors["postcode"].text()  # how to fix it
    assert not page.errors["post_town"].isVisible()
    assert postcode.hasFocus() or page.tabs.currentIndex() == 1
    qtbot.wait(200)
    assert page.saves == 0
    with ws.db.read() as s:
        stored = s.get(Client, margaret)
        assert stored is not None
        assert (stored.postcode, stored.post_town) == ("DL1 4QB", None)

    postcode.setText("dl3 0xy")
    fmt = page.fields["preferred_format"]
    assert isinstance(fmt, QComboBox)
    fmt.setCurrentIndex(fmt.findData("large24"))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.saves == 1, timeout=TIMEOUT)
    assert not page.errors["postcode"].isVisible()
    assert postcode.text() == "DL3 0XY"
    assert "Large print 24 pt" in page.flag_label.text()
    with ws.db.read() as s:
        stored = s.get(Client, margaret)
        assert stored is not None
        assert (stored.postcode, stored.post_town, stored.preferred_format) == (
            "DL3 0XY", "Darlington", "large24")


def test_view_is_audited_once_per_open(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    margaret = _people(ws)
    page = _page(qtbot, ws, runner)
    _open_by_typing(qtbot, page, "thornton")
    assert _view_events(ws, margaret) == 1
    page.repaint()
    page.tabs.setCurrentIndex(1)
    page.tabs.setCurrentIndex(0)
    runner.notify_changed("enquiries")  # another page changed something: history reloads
    qtbot.waitUntil(lambda: page.history_loads >= 1, timeout=TIMEOUT)
    town = page.fields["post_town"]
    assert isinstance(town, QLineEdit)
    town.setText("Darlington")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.saves == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.history_loads >= 2, timeout=TIMEOUT)
    assert _view_events(ws, margaret) == 1
    page.open_current()  # opening again is a new view
    qtbot.waitUntil(lambda: page.opens == 2, timeout=TIMEOUT)
    assert _view_events(ws, margaret) == 2


# -- health, carer and lawful basis fields ------------------------------------------------
def _combo(page: ClientsPage, name: str) -> QComboBox:
    widget = page.fields[name]
    assert isinstance(widget, QComboBox)
    return widget


def _save(qtbot: QtBot, page: ClientsPage) -> None:
    before = page.saves
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.saves == before + 1, timeout=TIMEOUT)


def test_health_details_need_an_article_9_condition_shown_by_the_field(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    margaret = _people(ws)
    page = _page(qtbot, ws, runner)
    _open_by_typing(qtbot, page, "thornton")
    disability = page.fields["disability"]
    assert isinstance(disability, QPlainTextEdit)
    disability.setPlainText("Partially sighted")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    error = page.errors["disability"]
    assert error.isVisible() and "Article 9 condition" in error.text()
    assert error.text().startswith("Error: ")  # words, not colour alone
    assert "Article 9" in disability.accessibleDescription()
    assert page.tabs.currentIndex() == 1 and disability.hasFocus()
    qtbot.wait(200)
    assert page.saves == 0
    # Chosen together with the condition (and other new fields), it saves.
    _combo(page, "article9_condition").setCurrentIndex(
        _combo(page, "article9_condition").findData("explicit_consent"))
    assert "agreed" in page.details.hints["article9_condition"].text()  # what it means
    _combo(page, "carer_status").setCurrentIndex(
        _combo(page, "carer_status").findData("unpaid_carer"))
    _combo(page, "lawful_basis").setCurrentIndex(
        _combo(page, "lawful_basis").findData("legitimate_interests"))
    line3 = page.fields["address_line3"]
    assert isinstance(line3, QLineEdit)
    line3.setText("Cockerton")
    condition = page.fields["long_term_condition"]
    assert isinstance(condition, QPlainTextEdit)
    condition.setPlainText("COPD")
    _save(qtbot, page)
    assert not error.isVisible()
    with ws.db.read() as s:
        stored = s.get(Client, margaret)
        assert stored is not None
        assert (stored.disability, stored.long_term_condition, stored.article9_condition,
                stored.carer_status, stored.lawful_basis, stored.address_line3) == (
            "Partially sighted", "COPD", "explicit_consent", "unpaid_carer",
            "legitimate_interests", "Cockerton")
    # Taking the condition away while the details stay is refused at the condition.
    _combo(page, "article9_condition").setCurrentIndex(0)
    assert _combo(page, "article9_condition").currentData() is None
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.errors["article9_condition"].isVisible()
    assert page.fields["article9_condition"].hasFocus()
    # ... and clearing both together is fine.
    disability.setPlainText("")
    condition.setPlainText("  ")
    _save(qtbot, page)
    with ws.db.read() as s:
        stored = s.get(Client, margaret)
        assert stored is not None
        assert (stored.disability, stored.long_term_condition, stored.article9_condition) == (
            None, None, None)


def test_changes_that_only_work_together_are_checked_together() -> None:
    detail = get_client_detail_for_check()
    tidy, errors = check_edit(detail, {"preferred_contact": "phone", "phone": "01325 123456"})
    assert errors == {} and tidy is not None and tidy.phone == "01325 123456"
    tidy, errors = check_edit(detail, {"preferred_contact": "phone"})
    assert tidy is None and "add a phone number" in errors["preferred_contact"]
    tidy, errors = check_edit(detail, {"postcode": "XYZ", "email": "nowhere",
                                       "disability": "Deaf",
                                       "article9_condition": "explicit_consent"})
    assert tidy is None and set(errors) == {"postcode", "email"}


def get_client_detail_for_check() -> ClientDetail:
    values = {f.name: None for f in dataclasses.fields(ClientDetail)}
    values |= {"id": "c1", "given_name": "Agatha", "family_name": "Pennyfeather",
               "preferred_contact": "letter", "preferred_format": "not_asked",
               "lawful_basis": "consent", "restricted": False,
               "created_at": datetime(2026, 1, 5, tzinfo=UTC)}
    return ClientDetail(**values)


# -- consents -----------------------------------------------------------------------------
def _record(qtbot: QtBot, page: ClientsPage, purpose: str, given: bool, method: str) -> None:
    panel = page.consents
    before = panel.saves
    panel.purpose.setCurrentIndex(panel.purpose.findData(purpose))
    panel.answer.setCurrentIndex(panel.answer.findData(given))
    panel.method.setCurrentIndex(panel.method.findData(method))
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.saves == before + 1, timeout=TIMEOUT)


def test_consents_recorded_withdrawn_and_renewal_prompted(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    margaret = _people(ws)
    today = uk_today()
    record_consent(ws, margaret, "share_referral", True, "phone",
                   renewal_due=today + timedelta(days=10))
    page = _page(qtbot, ws, runner)
    _open_by_typing(qtbot, page, "thornton")
    panel = page.consents
    purposes = vocab("consent_purposes")
    # A consent whose renewal is near is flagged above the record, in words.
    assert page.consent_prompt.isVisible()
    assert purposes.label("share_referral") in page.consent_prompt.text()
    assert f"renew by {today + timedelta(days=10):%d/%m/%Y}" in page.consent_prompt.text()
    share = panel.state_labels["share_referral"].text()
    assert share.startswith("Given, renewal due soon") and "by phone" in share
    assert ws.user.display_name in share
    assert panel.state_labels["keep_record"].text() == "Not asked yet."

    page.tabs.setCurrentIndex(2)
    # The renewal date defaults to a year on, and only a "given" answer has one.
    expected = default_renewal_date(today)
    qd = panel.renew.date()
    assert (qd.year(), qd.month(), qd.day()) == (expected.year, expected.month, expected.day)
    loads = page.history_loads
    _record(qtbot, page, "keep_record", True, "in_person")
    qtbot.waitUntil(lambda: page.history_loads > loads, timeout=TIMEOUT)
    keep = panel.state_labels["keep_record"].text()
    assert keep.startswith("Given. Recorded on") and "(in person)" in keep
    assert f"Renew by {expected:%d/%m/%Y}" in keep
    assert has_consent(ws, margaret, "keep_record")

    panel.answer.setCurrentIndex(panel.answer.findData(False))
    assert not panel.renew.isEnabled()
    loads = page.history_loads
    _record(qtbot, page, "contact_followup", False, "letter")
    qtbot.waitUntil(lambda: page.history_loads > loads, timeout=TIMEOUT)
    assert panel.state_labels["contact_followup"].text().startswith("Refused.")
    panel.purpose.setCurrentIndex(panel.purpose.findData("contact_followup"))
    assert not panel.withdraw_button.isEnabled()  # a refusal cannot be withdrawn

    # Renewing the consent that was due clears the prompt.
    loads = page.history_loads
    _record(qtbot, page, "share_referral", True, "form")
    qtbot.waitUntil(lambda: page.history_loads > loads, timeout=TIMEOUT)
    assert not page.consent_prompt.isVisible()

    # Withdrawing: the chosen purpose's consent ends now.
    panel.purpose.setCurrentIndex(panel.purpose.findData("keep_record"))
    assert panel.withdraw_button.isEnabled()
    loads, before = page.history_loads, panel.saves
    qtbot.mouseClick(panel.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.saves == before + 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.history_loads > loads, timeout=TIMEOUT)
    assert panel.state_labels["keep_record"].text().startswith(
        f"Withdrawn on {today:%d/%m/%Y}")
    assert not has_consent(ws, margaret, "keep_record")
    assert not panel.withdraw_button.isEnabled()
    assert "record the answer again" in panel.message.text()
    states = current_consents(ws, margaret)
    assert {p: s.state for p, s in states.items()} == {
        "keep_record": "withdrawn", "share_referral": "given", "contact_followup": "refused"}


def test_consent_error_is_shown_in_words(qtbot: QtBot, ws: Workspace,
                                         runner: TaskRunner) -> None:
    margaret = _people(ws)
    page = _page(qtbot, ws, runner)
    _open_by_typing(qtbot, page, "thornton")
    with ws.db.write(ws.actor) as w:  # erased meanwhile, at another desk
        w.update(w.session.get(Client, margaret), erased_at=utcnow())
    panel = page.consents
    page.tabs.setCurrentIndex(2)
    panel.record()
    qtbot.waitUntil(panel.message.isVisible, timeout=TIMEOUT)
    assert panel.message.text().startswith("Not recorded. ")
    assert "search for them again" in panel.message.text()
    assert "Thornton" not in panel.message.text()
    assert panel.record_button.isEnabled()


# -- 200% text on a 1366 x 768 screen ----------------------------------------------------
def test_client_record_reads_in_one_column_at_200_percent(
        qtbot: QtBot, qapp: QApplication, ws: Workspace, runner: TaskRunner) -> None:
    margaret = _people(ws)
    record_consent(ws, margaret, "keep_record", True, "form",
                   renewal_due=uk_today() + timedelta(days=3))
    settings.set_text_scale(200)
    theme.apply_text_scale(qapp, 200)
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    window.show_page("clients")
    window.showMaximized()
    qtbot.waitExposed(window)
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    assert window.frameGeometry().width() <= 1366
    qtbot.waitUntil(lambda: page.one_column, timeout=TIMEOUT)
    _open_by_typing(qtbot, page, "thornton")
    scroll = page.column_scroll
    assert scroll.horizontalScrollBar().maximum() == 0
    # Opening shows the name and both flags at the top of the view.
    top = page.record_panel.mapTo(page.column_body, page.record_panel.rect().topLeft()).y()
    assert scroll.verticalScrollBar().value() == min(top, scroll.verticalScrollBar().maximum())
    assert page.flag_label.isVisible() and page.consent_prompt.isVisible()
    # The tabs take a whole view, and going into them brings them into view.
    assert page.tabs.height() >= scroll.viewport().height()
    # Focus moves (and the page follows it) only in the active window: wait until this one
    # is, since windows of earlier tests in this process may still be open.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    # Straight into the Consents tab, before it has been laid out: the tabs still end up at
    # the top of the view, and stay there while the layout settles.
    page.tabs.setCurrentIndex(2)
    page.consents.purpose.setFocus()

    def tabs_at_the_top() -> bool:  # where the tabs are now (a late load may move them)
        tabs_top = page.tabs.mapTo(page.column_body, page.tabs.rect().topLeft()).y()
        return scroll.verticalScrollBar().value() == tabs_top

    qtbot.waitUntil(tabs_at_the_top, timeout=TIMEOUT)

    def tabs_top() -> int:
        return page.tabs.mapTo(page.column_body, page.tabs.rect().topLeft()).y()

    def grow_the_flag() -> None:  # something above the tabs grows: they move down
        before = tabs_top()
        page.flag_label.setText(page.flag_label.text() + "\nOne more line")
        qtbot.waitUntil(lambda: tabs_top() > before, timeout=TIMEOUT)

    grow_the_flag()
    qtbot.waitUntil(tabs_at_the_top, timeout=TIMEOUT)  # the view followed them
    # Once the user scrolls, the page leaves the view where the user put it.
    bar = scroll.verticalScrollBar()
    bar.triggerAction(bar.SliderAction.SliderPageStepSub)
    scrolled = bar.value()
    grow_the_flag()
    qtbot.wait(100)
    assert bar.value() == scrolled
    state = page.consents.state_labels["keep_record"]
    assert state.isVisible() and "renewal due soon" in state.text()
    # Back at 100% the find list sits beside the record again.
    theme.apply_text_scale(qapp, 100)
    qtbot.waitUntil(lambda: not page.one_column, timeout=TIMEOUT)
    assert page.split.isVisible() and page.split.indexOf(page.record_panel) == 1
    window.idle_lock.set_timing(0)
