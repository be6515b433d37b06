"""The pages open the document previews: "Print slip" after saving an enquiry with services,
and the letters from the follow-up queue."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import record_consent, uk_today
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import ReferralDraft
from csn_desk.sites import update_site_details
from csn_desk.ui.clients.page import ClientsPage
from csn_desk.ui.enquiry.page import NewEnquiryPage
from csn_desk.ui.followups.page import FollowUpsPage
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

TIMEOUT = 20000


def test_followup_letter_button_previews_the_chosen_followup(qtbot: QtBot, ws: Workspace,
                                                           runner: TaskRunner) -> None:
    update_site_details(ws, phone="01632 960000", address_line1="1 Example Street",
                        post_town="Darlington", postcode="DL1 1AA")
    cid = add_client(ws, ClientInput("Zoë", "O'Neill", address_line1="7 Example Street",
                                     post_town="Darlington", postcode="DL1 1AA",
                                     preferred_format="large18"))
    record_consent(ws, cid, "contact_followup", True, "in_person")
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),), client_id=cid),
                 [ReferralDraft("signposted", external_service="Dial-a-Ride (fictional)",
                                follow_up_due=uk_today() - timedelta(days=1))])
    page = FollowUpsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT)
    page.table.selectRow(0)
    qtbot.waitUntil(page.letter_button.isEnabled, timeout=TIMEOUT)
    page.letter_button.click()
    qtbot.waitUntil(lambda: page.preview.productions >= 1, timeout=TIMEOUT)
    assert page.preview.prepared is not None and page.preview.prepared.pages >= 1
    page.preview.close()


def test_print_slip_after_saving_an_enquiry_with_a_service(qtbot: QtBot, ws: Workspace,
                                                           runner: TaskRunner) -> None:
    page = NewEnquiryPage(ws, runner)
    qtbot.addWidget(page)
    page.show()
    assert not page.slip_button.isEnabled()
    eid = save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                        age_band="80_plus"),
                       [ReferralDraft("signposted", external_service="Dial-a-Ride (fictional)")])
    page._saved(eid, 1, 1)  # what the page does when its own save finishes
    assert page.slip_button.isEnabled()
    page.slip_button.click()
    qtbot.waitUntil(lambda: page.slip_preview.productions >= 1, timeout=TIMEOUT)
    assert page.slip_preview.prepared is not None
    assert page.slip_preview.prepared.fmt == "large18"  # 80+ and not asked: large print
    page._saved(eid, 1, 0)
    assert not page.slip_button.isEnabled()
    page.slip_preview.close()


def test_client_history_links_open_the_slip(qtbot: QtBot, ws: Workspace,
                                           runner: TaskRunner) -> None:
    cid = add_client(ws, ClientInput("Siobhán", "Ó Súilleabháin", preferred_format="large24"))
    eid = save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                        client_id=cid),
                       [ReferralDraft("signposted", external_service="Dial-a-Ride (fictional)")])
    page = ClientsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.open_client_id(cid)
    qtbot.waitUntil(lambda: f"slip:{eid}" in page.history.toHtml(), timeout=TIMEOUT)
    page.open_document(QUrl(f"slip:{eid}"))
    qtbot.waitUntil(lambda: page.preview.productions >= 1, timeout=TIMEOUT)
    assert page.preview.prepared is not None and page.preview.prepared.fmt == "large24"
    page.preview.close()
