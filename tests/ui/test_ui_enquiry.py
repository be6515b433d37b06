"""The New enquiry page on a real encrypted workspace with the starter directory: keyboard-only
logging, double Enter saving once, service errors naming the field, and Add person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from csn_desk.clients import ClientInput, add_client, get_client
from csn_desk.directory.starter import load_starter_directory
from csn_desk.enquiries import count_enquiries, list_enquiries
from csn_desk.referrals import follow_ups_due, referral_status
from csn_desk.store.models import Referral
from csn_desk.ui import settings, theme
from csn_desk.ui.enquiry.page import NewEnquiryPage
from csn_desk.ui.main_window import PAGE_FACTORIES, MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

WAIT_MS = 10_000


class Keyboard:
    """Sends every key to whichever widget has focus (as a person typing would) and counts."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot, self.presses = qtbot, 0

    def key(self, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
            ) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has keyboard focus"
        self.qtbot.keyClick(target, key, mods)
        self.presses += 1

    def type(self, text: str) -> None:
        for ch in text:
            target = QApplication.focusWidget()
            assert target is not None, "nothing has keyboard focus"
            self.qtbot.keyClick(target, ch)
            self.presses += 1


@pytest.fixture
def directory_ws(ws: Workspace) -> Workspace:
    load_starter_directory(ws)
    return ws


@pytest.fixture
def page(qtbot: QtBot, directory_ws: Workspace, runner: TaskRunner) -> Iterator[NewEnquiryPage]:
    widget = NewEnquiryPage(directory_ws, runner)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.channel.setFocus()
    qtbot.waitUntil(lambda: widget.panel.shown_query is not None, timeout=WAIT_MS)
    yield widget


def test_pages_are_registered() -> None:
    assert PAGE_FACTORIES["new_enquiry"] is NewEnquiryPage
    assert "directory" in PAGE_FACTORIES


def test_anonymous_enquiry_two_needs_and_signposting_by_keyboard_only(
        page: NewEnquiryPage, qtbot: QtBot, directory_ws: Workspace) -> None:
    keys = Keyboard(qtbot)
    keys.key(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Needs
    assert QApplication.focusWidget() is page.needs.filter
    keys.type("money")
    keys.key(Qt.Key.Key_Return)
    keys.type("transp")
    keys.key(Qt.Key.Key_Return)
    assert page.needs.codes() == ["transport", "money_benefits"]
    keys.key(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Search the directory
    assert QApplication.focusWidget() is page.panel.search
    keys.type("shopmob")
    qtbot.waitUntil(lambda: page.panel.shown_query == "shopmob" and bool(page.panel.hits),
                    timeout=WAIT_MS)
    keys.key(Qt.Key.Key_Down)  # into the results
    keys.key(Qt.Key.Key_Return)  # signpost (the default kind)
    assert len(page.referrals) == 1
    keys.key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # save
    qtbot.waitUntil(lambda: len(page.saved_ids) == 1, timeout=WAIT_MS)

    assert keys.presses < 30, keys.presses
    [row] = list_enquiries(directory_ws)
    assert row.id == page.saved_ids[0]
    assert len(row.need_codes) == 2
    assert not row.has_client
    due = follow_ups_due(directory_ws, date.today() + timedelta(days=60))
    assert [r.enquiry_id for r in due] == [row.id]
    assert "Shopmobility" in due[0].service_name
    assert due[0].follow_up_due == date.today() + timedelta(days=14)
    assert referral_status(directory_ws, due[0].referral_id) == "made"
    with directory_ws.db.read() as s:
        kind = s.execute(select(Referral.kind).where(Referral.id == due[0].referral_id)
                         ).scalar_one()
    assert kind == "signposted"
    # A fresh form for the next person.
    assert page.needs.codes() == [] and page.referrals == []
    assert "Saved" in page.status.text()


def test_double_enter_on_save_saves_once(page: NewEnquiryPage, qtbot: QtBot,
                                         directory_ws: Workspace) -> None:
    page.needs.set_codes(["housing"])
    page.save_button.setFocus()
    qtbot.keyClick(page.save_button, Qt.Key.Key_Return)
    qtbot.keyClick(page.save_button, Qt.Key.Key_Return)
    page.save()  # and a third attempt straight away
    qtbot.waitUntil(lambda: len(page.saved_ids) >= 1, timeout=WAIT_MS)
    qtbot.wait(300)  # let any second save that slipped through finish
    assert count_enquiries(directory_ws) == 1
    assert len(page.saved_ids) == 1


def test_service_error_names_the_field(page: NewEnquiryPage, qtbot: QtBot,
                                       directory_ws: Workspace) -> None:
    page.needs.set_codes(["housing"])
    page.postcode.setText("not a postcode")
    draft_id = page.draft_id
    page.save()
    qtbot.waitUntil(page.error.isVisible, timeout=WAIT_MS)
    assert page.error.text().startswith("Postcode district: ")
    assert "postcode" in page.error.text().casefold()
    assert QApplication.focusWidget() is page.postcode
    assert page.save_button.isEnabled()
    assert count_enquiries(directory_ws) == 0
    # Fixing it and saving again uses the same draft and clears the message.
    page.postcode.setText("DL1 1AA")
    page.save()
    qtbot.waitUntil(lambda: page.saved_ids == [draft_id], timeout=WAIT_MS)
    assert not page.error.isVisible()
    assert count_enquiries(directory_ws) == 1


def test_no_need_chosen_is_reported_on_needs(page: NewEnquiryPage, qtbot: QtBot) -> None:
    page.save()
    qtbot.waitUntil(page.error.isVisible, timeout=WAIT_MS)
    assert page.error.text().startswith("Needs: ")
    assert QApplication.focusWidget() is page.needs.filter


def test_add_person_finds_client_and_suggests_duplicate(
        page: NewEnquiryPage, qtbot: QtBot, directory_ws: Workspace) -> None:
    client_id = add_client(directory_ws, ClientInput("Margaret", "Thompson",
                                                     date_of_birth=date(1948, 7, 4)))
    add_client(directory_ws, ClientInput("Arthur", "Bell"))
    dialog = page.open_add_person()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.find_box, "thom")
    qtbot.waitUntil(lambda: dialog.matches.count() == 1, timeout=WAIT_MS)
    assert "Margaret Thompson" in dialog.matches.item(0).text()

    qtbot.keyClicks(dialog.given, "Margret")
    qtbot.keyClicks(dialog.family, "Thompson")
    qtbot.keyClicks(dialog.birth, "04/07/1948")
    qtbot.waitUntil(lambda: dialog.duplicates.count() >= 1
                    and "birth" in dialog.duplicates.item(0).text(), timeout=WAIT_MS)
    suggestion = dialog.duplicates.item(0).text()
    assert "Margaret Thompson" in suggestion and "similar name" in suggestion  # reasons
    dialog.duplicates.setFocus()
    qtbot.keyClick(dialog.duplicates, Qt.Key.Key_Return)  # use the suggested person
    assert page.client_id == client_id
    assert "Margaret Thompson" in page.person.text()

    page.needs.set_codes(["carers"])
    page.save()
    qtbot.waitUntil(lambda: len(page.saved_ids) == 1, timeout=WAIT_MS)
    [row] = list_enquiries(directory_ws)
    assert row.has_client
    assert list_enquiries(directory_ws, client_id=client_id)[0].id == row.id


def test_add_new_person_reuses_age_band_and_postcode(
        page: NewEnquiryPage, qtbot: QtBot, directory_ws: Workspace) -> None:
    page.age_band.setCurrentIndex(page.age_band.findData("80_plus"))
    page.postcode.setText("dl3 6ab")
    dialog = page.open_add_person()
    assert dialog.postcode.text() == "dl3 6ab"
    qtbot.keyClicks(dialog.given, "Edna")
    qtbot.keyClicks(dialog.family, "Carver")
    dialog.add_new()
    qtbot.waitUntil(lambda: page.client_id is not None, timeout=WAIT_MS)
    detail = get_client(directory_ws, page.client_id or "")
    assert (detail.given_name, detail.family_name) == ("Edna", "Carver")
    assert detail.age_band == "80_plus"
    assert detail.postcode == "DL3 6AB"


def test_referring_on_their_behalf_asks_for_consent(page: NewEnquiryPage, qtbot: QtBot,
                                                    directory_ws: Workspace) -> None:
    page.needs.set_codes(["personal_support"])
    page.panel.search.setText("advocacy")
    qtbot.waitUntil(lambda: page.panel.shown_query == "advocacy" and bool(page.panel.hits),
                    timeout=WAIT_MS)
    page.panel.results.setCurrentRow(0)
    assert page.panel.choose("referred") is None
    assert page.panel.action_error.isVisible()
    assert "consent" in page.panel.action_error.text().casefold()
    assert page.referrals == []
    page.panel.consent.setChecked(True)
    page.panel.choose("referred")
    assert [r.draft.kind for r in page.referrals] == ["referred"]
    assert page.referrals[0].draft.consent_to_share
    page.save()
    qtbot.waitUntil(lambda: len(page.saved_ids) == 1, timeout=WAIT_MS)
    with directory_ws.db.read() as s:
        kinds = s.execute(select(Referral.kind, Referral.consent_to_share)).all()
    assert [tuple(k) for k in kinds] == [("referred", True)]


# -- 200% text on a 1366 x 768 screen ----------------------------------------------------
def elided_needs(page: NewEnquiryPage) -> list[str]:
    """Visible need categories whose name does not fit whole on its row: the label's width
    (QFontMetrics) against the text part of the item's visual rect (the tick box takes the
    rest), and the row must lie inside the list's viewport."""
    view = page.needs.list
    metrics = view.fontMetrics()
    cut = []
    for item in page.needs.items():
        if item.isHidden():
            continue
        rect = view.visualItemRect(item)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        index = view.indexFromItem(item)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        option.rect = rect
        text = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        if (metrics.horizontalAdvance(item.text()) > text.width()
                or rect.left() < 0 or rect.right() > view.viewport().width()):
            cut.append(item.text())
    return cut


@pytest.fixture
def window_at_200(qtbot: QtBot, qapp: QApplication, directory_ws: Workspace,
                  runner: TaskRunner) -> Iterator[MainWindow]:
    settings.set_text_scale(200)
    theme.apply_text_scale(qapp, 200)
    window = MainWindow(directory_ws, runner)
    qtbot.addWidget(window)
    window.show_page("new_enquiry")
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.idle_lock.set_timing(0)


@pytest.mark.parametrize("maximised", [False, True])
def test_every_need_name_is_whole_at_200_percent_on_a_small_screen(
        window_at_200: MainWindow, qtbot: QtBot, maximised: bool) -> None:
    window = window_at_200
    screen = window.screen().availableGeometry()
    assert (screen.width(), screen.height()) == (1366, 768)
    if maximised:
        window.showMaximized()
    page = window.pages["new_enquiry"]
    assert isinstance(page, NewEnquiryPage)
    qtbot.waitUntil(lambda: page.panel.shown_query is not None, timeout=WAIT_MS)
    qtbot.wait(50)  # let the layout settle
    assert window.frameGeometry().width() <= screen.width()  # the window fits the screen
    assert page.one_column  # no room for the form beside the directory at this size
    assert len([i for i in page.needs.items() if not i.isHidden()]) == 20
    assert elided_needs(page) == []
    # Typing a filter keeps the names whole too.
    qtbot.keyClicks(page.needs.filter, "regain")
    assert [i.text() for i in page.needs.items() if not i.isHidden()] == [
        "Regaining independence after illness"]
    assert elided_needs(page) == []
    # The check really measures: squeeze the list and the long names are reported as cut.
    qtbot.keyClick(page.needs.filter, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.needs.filter, Qt.Key.Key_Delete)
    page.needs.list.setFixedWidth(page.needs.list.fontMetrics().averageCharWidth() * 20)
    qtbot.waitUntil(lambda: "Regaining independence after illness" in elided_needs(page),
                    timeout=WAIT_MS)


def test_one_column_at_200_percent_keeps_focus_in_view_and_reverts_when_wide(
        window_at_200: MainWindow, qtbot: QtBot, qapp: QApplication) -> None:
    window_at_200.showMaximized()
    page = window_at_200.pages["new_enquiry"]
    assert isinstance(page, NewEnquiryPage)
    qtbot.waitUntil(lambda: page.panel.shown_query is not None, timeout=WAIT_MS)
    assert page.one_column and not page.split.isVisible()
    scroll = page.column_scroll
    qtbot.waitUntil(lambda: scroll.horizontalScrollBar().maximum() == 0, timeout=WAIT_MS)
    page.activateWindow()
    page.panel.search.setFocus()  # Alt+S: the directory panel scrolls into view, whole
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().value() == page.panel.y(),
                    timeout=WAIT_MS)
    assert page.panel.height() == scroll.viewport().height()
    page.needs.filter.setFocus()  # Alt+N: the needs picker and its list in view
    top = page.needs.mapTo(page.column_body, page.needs.rect().topLeft()).y()
    shown = scroll.verticalScrollBar().value()
    assert shown <= top and top + page.needs.height() <= shown + scroll.viewport().height()
    # Back at 100%, there is room again: form beside the directory.
    theme.apply_text_scale(qapp, 100)
    qtbot.waitUntil(lambda: not page.one_column, timeout=WAIT_MS)
    assert page.split.isVisible() and page.form_scroll.widget() is page.form_body
    assert page.split.indexOf(page.panel) == 1
    assert elided_needs(page) == []
