"""A client's history and communication flags, on a real encrypted workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csn_desk.client_history import client_flags, client_history, communication_flags
from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import record_consent, uk_today
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import NotFound
from csn_desk.ids import utcnow
from csn_desk.referrals import ReferralDraft, add_event
from csn_desk.workspace import Workspace


def _client(ws: Workspace, fmt: str = "standard", **extra: object) -> str:
    return add_client(ws, ClientInput("Edith", "Crawley", preferred_format=fmt,
                                      **extra))  # type: ignore[arg-type]


def test_history_lists_enquiries_referrals_with_status_and_consents(ws: Workspace) -> None:
    cid = _client(ws, "large18")
    other = _client(ws)
    old = save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                        client_id=cid,
                                        received_at=utcnow() - timedelta(days=10)))
    new = save_enquiry(ws, EnquiryDraft("phone", "self", (NeedInput("information"),
                                                          NeedInput("transport")),
                                        client_id=cid),
                       [ReferralDraft("signposted", external_service="Lunch club",
                                      follow_up_due=uk_today())])
    save_enquiry(ws, EnquiryDraft("phone", "self", (NeedInput("transport"),), client_id=other))
    history = client_history(ws, cid)
    assert [e.id for e in history.enquiries] == [new, old]
    assert [n.code for n in history.enquiries[0].needs] == ["information", "transport"]
    (ref,) = history.enquiries[0].referrals
    assert (ref.service_name, ref.status) == ("Lunch club", "made")
    add_event(ws, ref.id, "contacted", "rang them")
    assert client_history(ws, cid).enquiries[0].referrals[0].status == "contacted"
    assert history.documents == ()
    assert history.consents == ()
    record_consent(ws, cid, "keep_record", True, "in_person",
                   renewal_due=uk_today() + timedelta(days=10))
    (consent,) = client_history(ws, cid).consents
    assert consent.purpose == "keep_record" and consent.renewal_due_soon


def test_history_is_capped_and_scoped(ws: Workspace) -> None:
    cid = _client(ws)
    for _ in range(3):
        save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                      client_id=cid))
    capped = client_history(ws, cid, limit=2)
    assert len(capped.enquiries) == 2 and capped.enquiries_capped
    assert not client_history(ws, cid, limit=3).enquiries_capped
    with pytest.raises(NotFound):
        client_history(ws, "no-such-client")


def test_communication_flags(ws: Workspace) -> None:
    assert communication_flags("standard") == ()
    assert communication_flags("large18", "BSL") == ("Large print 18 pt", "Interpreter: BSL")
    big = _client(ws, "large24")
    plain = _client(ws)
    assert client_flags(ws, [big, plain]) == {big: ("Large print 24 pt",)}
