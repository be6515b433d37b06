"""The follow-up queue's derived referral_state stays equal to what the events say, whoever
writes them and in whatever order they arrive."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import (
    FINAL_STATUSES,
    ReferralDraft,
    add_event,
    count_follow_ups_due,
    follow_ups_due,
    record_referral,
    referral_status,
)
from csn_desk.workspace import Workspace


def _referral(ws: Workspace, due: date) -> str:
    eid = save_enquiry(ws, EnquiryDraft(channel="phone", enquirer_type="self",
                                        needs=(NeedInput("carers"),)))
    return record_referral(ws, eid, ReferralDraft(kind="signposted", external_service="X",
                                                  follow_up_due=due))


def _latest_by_events(ws: Workspace, rid: str) -> str:
    with ws.db.read() as s:
        return str(s.execute(text("SELECT status FROM referral_event WHERE referral_id = :r "
                                  "ORDER BY at DESC, id DESC LIMIT 1"), {"r": rid}).scalar())


def test_state_follows_events_even_when_an_older_event_arrives_late(ws: Workspace) -> None:
    rid = _referral(ws, date(2026, 1, 10))
    now = datetime.now(UTC)
    add_event(ws, rid, "started", at=now + timedelta(days=2))
    # An event from another site, recorded earlier but synced later, must not win.
    add_event(ws, rid, "contacted", at=now + timedelta(days=1))
    assert referral_status(ws, rid) == _latest_by_events(ws, rid) == "started"
    assert follow_ups_due(ws, date(2026, 12, 31)) == []
    assert count_follow_ups_due(ws, date(2026, 12, 31)) == 0


def test_queue_counts_and_orders_open_referrals(ws: Workspace) -> None:
    ids = [_referral(ws, date(2026, 3, d)) for d in (20, 5, 12)]
    add_event(ws, ids[2], "waiting_list", at=datetime.now(UTC) + timedelta(hours=1))
    rows = follow_ups_due(ws, date(2026, 3, 31))
    assert [r.referral_id for r in rows] == [ids[1], ids[2], ids[0]]
    assert [r.status for r in rows] == ["made", "waiting_list", "made"]
    assert count_follow_ups_due(ws, date(2026, 3, 12)) == 2
    assert len(follow_ups_due(ws, date(2026, 3, 31), limit=1)) == 1


def test_state_for_raw_inserts_too(ws: Workspace) -> None:
    """Rows written outside the services (bulk demo load, a sync import) keep it right."""
    rid = _referral(ws, date(2026, 2, 1))
    with ws.db.write(ws.actor) as w:
        w.session.execute(text(
            "INSERT INTO referral_event (id, referral_id, status, note, at) "
            "VALUES ('ffffffff-0000-7000-8000-000000000000', :r, 'declined', '', "
            "'2099-01-01 00:00:00.000000')"), {"r": rid})
    assert referral_status(ws, rid) == "declined"
    with ws.db.write(ws.actor) as w:
        w.session.execute(text("DELETE FROM referral_event WHERE id = "
                               "'ffffffff-0000-7000-8000-000000000000'"))
    assert referral_status(ws, rid) == _latest_by_events(ws, rid) == "made"
    assert count_follow_ups_due(ws, date(2026, 2, 1)) == 1


def test_trigger_final_statuses_match_the_vocabulary(ws: Workspace) -> None:
    with ws.db.read() as s:
        sql = s.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                             "name = 'referral_state_after_event_insert'")).scalar()
    listed = set(re.findall(r"'([a-z_]+)'", sql.split("NOT IN", 1)[1].split(")")[0]))
    assert listed == FINAL_STATUSES and len(listed) == 5
