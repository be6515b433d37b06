"""The Clients page on a real encrypted workspace: find as you type, the communication flag,
history, editing with field messages, and one audit event per open."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import uk_today
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import ReferralDraft
from csn_desk.store.models import AuditEvent, Client
from csn_desk.ui.clients.page import ClientsPage
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
