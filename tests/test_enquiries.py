"""Saving and listing enquiries through the services, on a real encrypted database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from csn_desk.enquiries import (
    EnquiryDraft,
    NeedInput,
    count_enquiries,
    list_enquiries,
    save_enquiry,
    set_need_outcome,
)
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.referrals import (
    ReferralDraft,
    add_event,
    follow_ups_due,
    record_referral,
    referral_status,
)
from csn_desk.store.models import AuditEvent, ChangeLog, Enquiry, EnquiryNeed
from csn_desk.workspace import Workspace


def draft(**kw: object) -> EnquiryDraft:
    base: dict[str, object] = {"channel": "walk_in", "enquirer_type": "self",
                               "needs": (NeedInput("transport"),)}
    base.update(kw)
    return EnquiryDraft(**base)  # type: ignore[arg-type]


def test_anonymous_enquiry_saved_with_needs_change_log_and_audit(ws: Workspace) -> None:
    eid = save_enquiry(ws, draft(needs=(NeedInput("transport"), NeedInput("digital")),
                                 postcode_district="dl1 1aa", age_band="80_plus",
                                 route="supported", time_spent_minutes=20))
    with ws.db.read() as s:
        enquiry = s.get(Enquiry, eid)
        assert enquiry is not None
        assert enquiry.client_id is None
        assert enquiry.postcode_district == "DL1"  # only the district is kept
        codes = s.execute(select(EnquiryNeed.need_code).where(EnquiryNeed.enquiry_id == eid))
        assert sorted(c for (c,) in codes) == ["digital", "transport"]
        logged = s.execute(select(ChangeLog.field).where(ChangeLog.row_id == eid)).all()
        assert {"channel", "postcode_district", "age_band"} <= {f for (f,) in logged}
        actions = [a for (a,) in s.execute(select(AuditEvent.action))]
        assert actions.count("create:enquiry_need") == 2
        assert "create:enquiry" in actions


def test_double_save_of_the_same_draft_saves_once(ws: Workspace) -> None:
    d = draft()
    assert save_enquiry(ws, d) == save_enquiry(ws, d)
    assert count_enquiries(ws) == 1


@pytest.mark.parametrize("bad, fragment", [
    ({"channel": "pigeon"}, "channel"),
    ({"needs": ()}, "at least one need"),
    ({"needs": (NeedInput("nonsense"),)}, "need category"),
    ({"needs": (NeedInput("transport", "unmet"),)}, "why the need was not met"),
    ({"needs": (NeedInput("transport"), NeedInput("transport"))}, "twice"),
    ({"time_spent_minutes": -5}, "Time spent"),
    ({"postcode_district": "not a postcode"}, "postcode"),
])
def test_invalid_enquiries_are_refused_with_a_plain_message(ws: Workspace, bad: dict[str, object],
                                                            fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        save_enquiry(ws, draft(**bad))
    assert fragment in str(err.value)
    assert count_enquiries(ws) == 0


def test_list_by_month_newest_first(ws: Workspace) -> None:
    oct1 = datetime(2026, 10, 1, 9, tzinfo=UTC)
    ids = [save_enquiry(ws, draft(received_at=oct1 + timedelta(days=i * 10))) for i in range(4)]
    # 1, 11, 21 and 31 October; the last is 31 Oct, still October
    rows = list_enquiries(ws, month="2026-10")
    assert [r.id for r in rows] == list(reversed(ids))
    assert list_enquiries(ws, month="2026-11") == []
    with pytest.raises(InvalidInput):
        list_enquiries(ws, month="October")


def test_referral_status_is_the_latest_event_and_follow_ups_respect_it(ws: Workspace) -> None:
    eid = save_enquiry(ws, draft())
    due = date(2026, 11, 20)
    rid = record_referral(ws, eid, ReferralDraft(kind="signposted",
                                                 external_service="A fictional lunch club",
                                                 follow_up_due=due))
    assert referral_status(ws, rid) == "made"
    assert [f.referral_id for f in follow_ups_due(ws, due)] == [rid]
    assert follow_ups_due(ws, due - timedelta(days=1)) == []
    later = datetime.now(UTC) + timedelta(hours=1)
    add_event(ws, rid, "waiting_list", at=later)
    assert referral_status(ws, rid) == "waiting_list"
    assert len(follow_ups_due(ws, due)) == 1  # waiting list: still to follow up
    add_event(ws, rid, "started", at=later + timedelta(hours=1))
    assert referral_status(ws, rid) == "started"
    assert follow_ups_due(ws, due) == []


def test_referral_on_behalf_needs_consent_to_share(ws: Workspace) -> None:
    eid = save_enquiry(ws, draft())
    with pytest.raises(InvalidInput, match="consent"):
        record_referral(ws, eid, ReferralDraft(kind="referred", external_service="X"))
    with pytest.raises(NotFound):
        record_referral(ws, "no-such-enquiry", ReferralDraft(kind="signposted",
                                                             external_service="X"))


def test_need_outcome_update_is_logged(ws: Workspace) -> None:
    eid = save_enquiry(ws, draft())
    set_need_outcome(ws, eid, "transport", "unmet", "no_service")
    with ws.db.read() as s:
        need = s.execute(select(EnquiryNeed).where(EnquiryNeed.enquiry_id == eid)).scalar_one()
        assert (need.outcome, need.unmet_reason) == ("unmet", "no_service")
        n = s.execute(select(func.count()).select_from(ChangeLog)
                      .where(ChangeLog.row_id == need.id, ChangeLog.op == "update")).scalar_one()
        assert n == 2
