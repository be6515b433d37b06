"""The Follow-ups page on a real encrypted workspace: the queue, its filters, and working a
referral through to "started service" (the need becomes met)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem, QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import uk_today
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.followups import FollowUpFilters, load_queue, record_outcome
from csn_desk.referrals import ReferralDraft, add_event, referral_status
from csn_desk.store.models import EnquiryNeed, Referral, Site
from csn_desk.ui import settings, theme
from csn_desk.ui.followups.page import FollowUpsPage
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

TIMEOUT = 10000


def _referred(ws: Workspace, service: str, needs: tuple[str, ...] = ("transport",),
              days_ago: int = 2, client_id: str | None = None) -> tuple[str, str]:
    """An enquiry with one referral due ``days_ago`` days ago: (enquiry id, referral id)."""
    eid = save_enquiry(ws, EnquiryDraft("walk_in", "self", tuple(NeedInput(n) for n in needs),
                                        client_id=client_id),
                       [ReferralDraft("signposted", external_service=service,
                                      follow_up_due=uk_today() - timedelta(days=days_ago))])
    with ws.db.read() as s:
        rid = s.execute(select(Referral.id).where(Referral.enquiry_id == eid)).scalar_one()
    return eid, rid


def _need(ws: Workspace, enquiry_id: str, code: str) -> tuple[str, str | None]:
    with ws.db.read() as s:
        need = s.execute(select(EnquiryNeed).where(EnquiryNeed.enquiry_id == enquiry_id,
                                                   EnquiryNeed.need_code == code)).scalar_one()
        return need.outcome, need.unmet_reason


def _page(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> FollowUpsPage:
    page = FollowUpsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(lambda: page.loads >= 1, timeout=TIMEOUT)
    return page


def _reload(qtbot: QtBot, page: FollowUpsPage, action: object) -> None:
    before = page.loads
    action()  # type: ignore[operator]
    qtbot.waitUntil(lambda: page.loads > before, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=TIMEOUT)


def test_referral_worked_to_started_service(qtbot: QtBot, ws: Workspace,
                                            runner: TaskRunner) -> None:
    cid = add_client(ws, ClientInput("Edith", "Crawley", preferred_format="large18"))
    eid, rid = _referred(ws, "Dial-a-Ride", client_id=cid)
    _referred(ws, "Lunch club", needs=("clubs_groups",), days_ago=0)
    _referred(ws, "Later club", days_ago=-5)  # not due yet: not in the queue
    page = _page(qtbot, ws, runner)
    model = page.model
    assert model.rowCount() == 2
    assert not model.compact  # 100% text, 1000 px: five one-line columns fit
    first = [model.index(0, c).data() for c in range(model.columnCount())]
    assert first[0].endswith("(2 days overdue)")
    assert first[3] == "Dial-a-Ride"
    assert first[1] == vocab("referral_statuses").label("made")
    assert first[2] == "Edith Crawley [Large print 18 pt]"
    assert model.index(1, 0).data().endswith("(due today)")

    page.table.setFocus()
    page.table.selectRow(0)
    page.outcome.setCurrentIndex(page.outcome.findData("not_eligible"))
    assert page.reason.isEnabled() and page.reason.currentData() == "not_eligible"
    page.outcome.setCurrentIndex(page.outcome.findData("contacted"))
    assert "stays as it is" in page.need_effect.text()
    # A reason that will not be saved is never on show.
    assert not page.reason.isEnabled() and page.reason.currentData() is None
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.saves == 1, timeout=TIMEOUT)
    contacted = vocab("referral_statuses").label("contacted")
    qtbot.waitUntil(lambda: model.row_at(0).status == "contacted", timeout=TIMEOUT)
    # The row's text, whichever shape the queue has: the longer status may no longer fit on
    # one line at this width (the shapes are tested at 200% below).
    assert contacted in " ".join(str(model.index(0, c).data())
                                 for c in range(model.columnCount()))
    assert model.rowCount() == 2 and model.row_at(0).referral_id == rid  # still selected
    assert _need(ws, eid, "transport") == ("open", None)

    page.outcome.setFocus()
    page.outcome.setCurrentIndex(page.outcome.findData("started"))
    assert "Met" in page.need_effect.text()
    qtbot.keyClicks(page.note, "Started on Tuesday")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.saves == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
    assert model.row_at(0).service_name == "Lunch club"
    assert referral_status(ws, rid) == "started"
    assert _need(ws, eid, "transport") == ("met", None)
    assert "Met" in page.message.text()


def test_filters_narrow_the_queue(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    with ws.db.write(ws.actor) as w:
        other = w.create(Site(name="Outreach desk", organisation_id=ws.organisation_id))
    elsewhere = dataclasses.replace(ws, site_id=other.id, site_name="Outreach desk")
    _referred(ws, "Dial-a-Ride")
    _, contacted = _referred(ws, "Lunch club")
    _referred(elsewhere, "Lunch club")
    add_event(ws, contacted, "contacted", "left a message")
    page = _page(qtbot, ws, runner)
    assert page.model.rowCount() == 3
    assert page.site_filter.count() == 3  # all + two sites

    _reload(qtbot, page, lambda: page.site_filter.setCurrentIndex(
        page.site_filter.findData(other.id)))
    assert [page.model.row_at(r).site_name for r in range(page.model.rowCount())] == [
        "Outreach desk"]

    _reload(qtbot, page, lambda: page.site_filter.setCurrentIndex(0))
    lunch = page.service_filter.findText("Lunch club")
    _reload(qtbot, page, lambda: page.service_filter.setCurrentIndex(lunch))
    assert page.model.rowCount() == 2
    assert "2 shown with these filters" in page.summary.text()

    _reload(qtbot, page, lambda: page.status_filter.setCurrentIndex(
        page.status_filter.findData("contacted")))
    assert [page.model.row_at(r).referral_id for r in range(page.model.rowCount())] == [
        contacted]


def test_outcome_mapping_to_need(ws: Workspace) -> None:
    declined_eid, declined = _referred(ws, "Handyperson", needs=("practical_support",))
    waiting_eid, waiting = _referred(ws, "Day centre", needs=("day_services",))
    two_eid, two = _referred(ws, "Somewhere", needs=("transport", "housing"))
    met_eid, met = _referred(ws, "Bus pass help")
    record_outcome(ws, declined, "declined", "changed their mind")
    assert _need(ws, declined_eid, "practical_support") == ("unmet", "declined")
    record_outcome(ws, waiting, "waiting_list")
    assert _need(ws, waiting_eid, "day_services") == ("open", None)
    result = record_outcome(ws, two, "not_eligible")
    assert result.needs_changed == ()  # two needs, no catalogue link: left for the coordinator
    assert _need(ws, two_eid, "housing") == ("open", None)
    record_outcome(ws, met, "no_response", unmet_reason="transport")
    assert _need(ws, met_eid, "transport") == ("unmet", "transport")
    queue = load_queue(ws, uk_today(), FollowUpFilters())
    assert [r.referral_id for r in queue.rows] == [waiting]  # finals have left the queue


# -- 200% text on a 1366 x 768 screen ----------------------------------------------------
def cut_cells(table: QTableView) -> list[str]:
    """Cells in view whose text does not fit whole in its cell, word-wrapped as the table
    draws it (no word wider than the text area, all lines within the row's height)."""
    metrics = table.fontMetrics()
    model = table.model()
    cut = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            rect = table.visualRect(index)
            if not rect.intersects(table.viewport().rect()):
                continue
            option = QStyleOptionViewItem()
            table.initViewItemOption(option)
            table.itemDelegateForIndex(index).initStyleOption(option, index)
            option.rect = rect
            area = table.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText,
                                                option, table)
            text = str(index.data())
            flags = Qt.TextFlag.TextWordWrap if table.wordWrap() else 0
            needed = metrics.boundingRect(QRect(0, 0, area.width(), 100_000), flags, text)
            widest_word = max(metrics.horizontalAdvance(w) for w in text.split())
            if (needed.height() > area.height() or widest_word > area.width()
                    or needed.width() > area.width() or rect.right() > table.viewport().width()):
                cut.append(text)
    return cut


@pytest.mark.parametrize("maximised", [False, True])
def test_queue_reflows_without_sideways_scrolling_at_200_percent(
        qtbot: QtBot, qapp: QApplication, ws: Workspace, runner: TaskRunner,
        maximised: bool) -> None:
    cid = add_client(ws, ClientInput("Edith", "Crawley-Montgomery", preferred_format="large18",
                                     interpreter="British Sign Language"))
    _referred(ws, "Darlington Association on Disability information and advice line",
              client_id=cid, days_ago=12)
    _referred(ws, "Lunch club", needs=("clubs_groups",), days_ago=1)
    _referred(ws, "Dial-a-Ride", days_ago=0)
    settings.set_text_scale(200)
    theme.apply_text_scale(qapp, 200)
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    window.show_page("follow_ups")
    if maximised:
        window.showMaximized()
    else:
        window.show()
    qtbot.waitExposed(window)
    page = window.pages["follow_ups"]
    assert isinstance(page, FollowUpsPage)
    qtbot.waitUntil(lambda: page.loads >= 1 and page.model.rowCount() == 3, timeout=TIMEOUT)
    screen = window.screen().availableGeometry()
    assert window.frameGeometry().width() <= screen.width() == 1366
    table = page.table
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=TIMEOUT)
    assert page.page_scroll.horizontalScrollBar().maximum() == 0
    assert page.model.compact and page.model.columnCount() == 2
    qtbot.waitUntil(lambda: cut_cells(table) == [], timeout=TIMEOUT)  # rows sized as seen
    first = table.model().index(0, 1).data()
    assert first.splitlines()[:2] == [
        "Edith Crawley-Montgomery [Large print 18 pt; Interpreter: British Sign Language]",
        "Darlington Association on Disability information and advice line"]
    assert "12 days overdue" in table.model().index(0, 0).data()
    assert page.filter_rows in (2, 3)  # the filters take more rows rather than cut words

    # Working the queue is unchanged in this shape.
    page.outcome.setCurrentIndex(page.outcome.findData("waiting_list"))
    page.record()
    qtbot.waitUntil(lambda: page.saves == 1, timeout=TIMEOUT)
    waiting = vocab("referral_statuses").label("waiting_list")
    qtbot.waitUntil(lambda: waiting in table.model().index(0, 0).data(), timeout=TIMEOUT)

    # Back at 100%: the filters fit on one row; these long names still read whole.
    theme.apply_text_scale(qapp, 100)
    qtbot.waitUntil(lambda: page.filter_rows == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: cut_cells(table) == [], timeout=TIMEOUT)
    assert table.horizontalScrollBar().maximum() == 0
    window.idle_lock.set_timing(0)


def test_cut_cells_notices_a_squeezed_column(qtbot: QtBot, ws: Workspace,
                                             runner: TaskRunner) -> None:
    """The check above can fail: a column too narrow for its text is reported."""
    _referred(ws, "Darlington Dial-a-Ride")
    page = _page(qtbot, ws, runner)
    assert not page.model.compact and cut_cells(page.table) == []
    page.table.horizontalHeader().setStretchLastSection(False)
    page.table.setColumnWidth(3, page.table.fontMetrics().averageCharWidth() * 10)
    assert cut_cells(page.table) == ["Darlington Dial-a-Ride"]
