"""The follow-up queue's filters run in SQL: a filter finds matching referrals wherever they lie
in the queue, the result is capped, and the cap is reported. Real encrypted databases."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from csn_desk.consents import uk_today
from csn_desk.followups import (
    EXTERNAL,
    QUEUE_SCAN,
    FollowUpFilters,
    load_queue,
    record_outcome,
)
from csn_desk.ids import new_id
from csn_desk.referrals import add_event
from csn_desk.store.models import Enquiry, Organisation, Referral, Service, Site
from csn_desk.workspace import Workspace


def _site(ws: Workspace, name: str) -> Workspace:
    """The same signed-in user working at a second site of the organisation."""
    with ws.db.write(ws.actor) as w:
        site = w.create(Site(name=name, organisation_id=ws.organisation_id))
    return dataclasses.replace(ws, site_id=site.id, site_name=name)


def _service(ws: Workspace, name: str) -> str:
    with ws.db.write(ws.actor) as w:
        org = w.create(Organisation(name=f"{name} charity"))
        return w.create(Service(organisation_id=org.id, name=name)).id


def _referrals(ws: Workspace, count: int, due: date, *, service_id: str | None = None,
               external: str | None = None) -> list[str]:
    """``count`` referrals due on ``due`` from one enquiry at ``ws``'s site, in one unit of
    work through the Writer's batch path (no audit event per row, each still change-logged)."""
    with ws.db.write(ws.actor) as w:
        enquiry = w.create(Enquiry(organisation_id=ws.organisation_id, site_id=ws.site_id,
                                   channel="walk_in", enquirer_type="self"))
        ids = [new_id() for _ in range(count)]
        w.create_many(Referral, [dict(id=i, enquiry_id=enquiry.id, kind="signposted",
                                      service_id=service_id, external_service=external,
                                      follow_up_due=due) for i in ids], audit=False)
        return ids


def test_filtered_match_beyond_the_first_5000_is_found(ws: Workspace) -> None:
    today = uk_today()
    _referrals(ws, QUEUE_SCAN + 1, today - timedelta(days=30), external="Busy lunch club")
    outreach = _site(ws, "Outreach desk")
    handyperson = _service(ws, "Handyperson")
    [rare] = _referrals(outreach, 1, today - timedelta(days=1), service_id=handyperson)
    add_event(ws, rare, "contacted", "left a message")

    everything = load_queue(ws, today)
    assert (len(everything.rows), everything.capped) == (QUEUE_SCAN, True)
    assert everything.due_total == everything.matched_total == QUEUE_SCAN + 2
    assert rare not in {r.referral_id for r in everything.rows}  # beyond the cap, unfiltered
    # ... but every filter that picks it finds it, and says the list is whole.
    for filters in (FollowUpFilters(site_id=outreach.site_id),
                    FollowUpFilters(service_key=handyperson),
                    FollowUpFilters(status="contacted"),
                    FollowUpFilters(outreach.site_id, handyperson, "contacted")):
        queue = load_queue(ws, today, filters)
        assert [r.referral_id for r in queue.rows] == [rare], filters
        assert (queue.capped, queue.matched_total, queue.due_total) == (
            False, 1, QUEUE_SCAN + 2)
        item = queue.rows[0]
        assert (item.site_name, item.service_name, item.organisation_name, item.status) == (
            "Outreach desk", "Handyperson", "Handyperson charity", "contacted")
        assert item.days_overdue == 1
    # The service filter offers services from the whole queue, not the first rows only.
    assert dict(everything.services) == {EXTERNAL + "Busy lunch club": "Busy lunch club",
                                         handyperson: "Handyperson"}


def test_filters_combine_in_sql_and_the_cap_is_reported(ws: Workspace) -> None:
    today = uk_today()
    outreach = _site(ws, "Outreach desk")
    here_club = _referrals(ws, 3, today - timedelta(days=5), external="Lunch club")
    there_club = _referrals(outreach, 2, today - timedelta(days=3), external="Lunch club")
    there_ride = _referrals(outreach, 2, today - timedelta(days=2), external="Dial-a-Ride")
    _referrals(ws, 2, today + timedelta(days=1), external="Lunch club")  # not due yet

    club = FollowUpFilters(service_key=EXTERNAL + "Lunch club")
    queue = load_queue(ws, today, club, scan=2)
    assert [r.referral_id for r in queue.rows] == sorted(here_club)[:2]  # oldest first
    assert (queue.capped, queue.matched_total, queue.due_total) == (True, 5, 7)

    both = dataclasses.replace(club, site_id=outreach.site_id)
    queue = load_queue(ws, today, both, scan=2)
    assert sorted(r.referral_id for r in queue.rows) == sorted(there_club)
    assert (queue.capped, queue.matched_total) == (False, 2)

    # A final outcome takes a referral out of the queue and out of every filter.
    record_outcome(ws, there_ride[0], "started")
    queue = load_queue(ws, today, FollowUpFilters(site_id=outreach.site_id))
    assert {r.referral_id for r in queue.rows} == {*there_club, there_ride[1]}
    assert queue.due_total == 6
    # Status "made" also matches referrals whose only event is the first one.
    made = load_queue(ws, today, FollowUpFilters(status="made"))
    assert made.matched_total == 6
    assert load_queue(ws, today, FollowUpFilters(status="contacted")).rows == ()


def test_queue_is_limited_to_this_organisation(ws: Workspace) -> None:
    today = uk_today()
    [ours] = _referrals(ws, 1, today, external="Lunch club")
    with ws.db.write(ws.actor) as w:
        other = w.create(Organisation(name="Other network member", is_member=True))
        site = w.create(Site(name="Elsewhere", organisation_id=other.id))
    elsewhere = dataclasses.replace(ws, organisation_id=other.id, site_id=site.id)
    _referrals(elsewhere, 2, today, external="Lunch club")
    queue = load_queue(ws, today, FollowUpFilters(service_key=EXTERNAL + "Lunch club"))
    assert [r.referral_id for r in queue.rows] == [ours]
    assert (queue.due_total, queue.matched_total) == (1, 1)
    assert [name for _id, name in queue.sites] == ["Test Counter"]
    assert queue.rows[0].status == "made"  # bulk rows have no event yet: just made
