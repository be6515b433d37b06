"""Upkeep: the review list and its reasons, "mark as checked" (who and when), roles (counter
staff read and run the list; coordinators and administrators change things), and saving a
whole entry from the editor writing only what changed, every change logged for sync."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from csn_desk.accounts import add_user, sign_in
from csn_desk.directory.editing import (
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
    add_organisation,
    add_service,
    delete_service,
    update_service,
)
from csn_desk.directory.export import export_directory
from csn_desk.directory.merge import merge_services
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.records import load_service
from csn_desk.directory.review import mark_checked, review_list
from csn_desk.directory.search import SearchFilters, search_services
from csn_desk.directory.upsert import save_organisation, save_service
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.referrals import ReferralDraft
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.directory.dirkit import DATA, table_counts

TODAY = date(2026, 11, 26)


def _org(ws: Workspace) -> str:
    return add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))


def _counter(ws: Workspace, data_dir: Path) -> Workspace:
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, kdf=FAST_KDF,
             check_strength=False)
    return sign_in(data_dir, "cal.c", PASSPHRASE)


def test_review_list_reasons(ws: Workspace) -> None:
    trust = _org(ws)
    fresh = add_service(ws, ServiceInput(organisation_id=trust, name="Fresh", phone="1",
                                         assured_date=TODAY - timedelta(days=30)))
    stale = add_service(ws, ServiceInput(organisation_id=trust, name="Stale", phone="1",
                                         assured_date=TODAY - timedelta(days=400)))
    alert = add_service(ws, ServiceInput(organisation_id=trust, name="Alert", phone="1",
                                         assured_date=TODAY, alert="Moved",
                                         alert_until=TODAY - timedelta(days=1)))
    mute = add_service(ws, ServiceInput(organisation_id=trust, name="Mute",
                                        assured_date=TODAY))
    gone = add_service(ws, ServiceInput(organisation_id=trust, name="Gone", phone="1",
                                        assured_date=TODAY))
    save_enquiry(ws, EnquiryDraft(channel=vocab("channels").codes[0],
                                  enquirer_type=vocab("enquirer_types").codes[0],
                                  needs=(NeedInput("clubs_groups"),)),
                 [ReferralDraft(kind="signposted", service_id=gone)])
    update_service(ws, gone, status="inactive")
    items = {i.service_id: i for i in review_list(ws, TODAY)}
    assert fresh not in items
    assert items[stale].codes == ("not_checked",)
    assert "over 12 months ago" in items[stale].reasons[0]
    assert items[alert].codes == ("alert_expired",)
    assert "25 November 2026" in items[alert].reasons[0]
    assert items[mute].codes == ("no_contact",)
    assert items[gone].codes == ("inactive_referred",)
    assert "1 open referral" in items[gone].reasons[0]
    # Never checked at all.
    never = add_service(ws, ServiceInput(organisation_id=trust, name="Never", phone="1"))
    (item,) = [i for i in review_list(ws, TODAY) if i.service_id == never]
    assert item.reasons == ("Never checked: confirm the details.",)


def test_possible_duplicates_are_on_the_list_until_merged(ws: Workspace) -> None:
    trust = _org(ws)
    here = LocationInput(postcode="DL1 1AA")
    a = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch Club", location=here,
                                     phone="1", assured_date=TODAY))
    b = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch club.", location=here,
                                     phone="1", assured_date=TODAY))
    items = {i.service_id: i for i in review_list(ws, TODAY)}
    assert items[a].duplicate_of == (b,) and items[b].duplicate_of == (a,)
    merge_services(ws, a, b)
    assert review_list(ws, TODAY) == []


def test_mark_as_checked_records_who_and_when(ws: Workspace) -> None:
    sid = add_service(ws, ServiceInput(organisation_id=_org(ws), name="Old", phone="1",
                                       alert="Closed for repairs",
                                       alert_until=TODAY - timedelta(days=3)))
    assert review_list(ws, TODAY)[0].codes == ("not_checked", "alert_expired")
    mark_checked(ws, sid, note="Rang them", today=TODAY)
    assert review_list(ws, TODAY) == []
    s = load_service(ws, sid)
    assert (s.assured_date, s.assured_by, s.alert) == (TODAY, ws.user.display_name, None)
    with ws.db.read() as session:
        row = session.execute(text("SELECT checked_on, checked_by, note FROM "
                                   "directory_review")).one()
    assert tuple(row) == (TODAY.isoformat(), ws.user.display_name, "Rang them")
    hits = search_services(ws, "old", SearchFilters(), today=TODAY)
    assert not hits[0].needs_checking


def test_counter_staff_read_and_run_the_list_but_change_nothing(
        ws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    trust = _org(ws)
    sid = add_service(ws, ServiceInput(organisation_id=trust, name="Yoga"))
    counter = _counter(ws, data_dir)
    try:
        assert [i.service_id for i in review_list(counter, TODAY)] == [sid]
        assert search_services(counter, "yoga")
        before = table_counts(ws)
        attempts = [
            lambda: mark_checked(counter, sid),
            lambda: import_file(counter, DATA / "oruk3_services.json"),
            lambda: export_directory(counter, "csv", tmp_path / "x.csv"),
            lambda: add_service(counter, ServiceInput(organisation_id=trust, name="X")),
            lambda: update_service(counter, sid, name="Z"),
            lambda: delete_service(counter, sid),
            lambda: save_service(counter, load_service(counter, sid)),
            lambda: save_organisation(counter, OrganisationInput(name="Y")),
            lambda: merge_services(counter, sid, sid),
        ]
        for attempt in attempts:
            with pytest.raises(NotAllowed, match="coordinators and administrators"):
                attempt()
        after = table_counts(ws)
        # nothing changed, but each refusal is audited ("auth:denied")
        assert after.pop("audit_event") == before.pop("audit_event") + len(attempts)
        assert after == before
        # A dry run only reads, so counter staff may check a file.
        assert import_file(counter, DATA / "oruk3_services.json", dry_run=True).dry_run
    finally:
        counter.close()


FULL = dict(
    description="Gentle exercise", status="active", url="https://example.org/yoga",
    email="yoga@example.org", phone="01632 960400", application_process="Ring first",
    fees_text="Pay on the day", attending_type="venue", attending_access="drop-in",
    deliverable_type="Training", minimum_age=50, maximum_age=100, eligibility="Over 50s",
    what_to_take="Comfortable shoes", alert="New teacher", alert_until=date(2027, 1, 1),
    categories=("health_wellbeing", "clubs_groups"),
    terms=(TermInput("esdServiceType", "242", "Care at home"),),
    schedules=(ScheduleInput(1, time(10), time(11)), ScheduleInput(4, time(14), time(15))),
    closures=(ClosureInput(date(2026, 12, 24), date(2027, 1, 2), note="Christmas"),),
    costs=(CostInput(3.5, "per class"),), areas=("DL1", "DL3"),
    area_notes=("Darlington borough",),
    location=LocationInput(name="Hall", address_1="1 Example Street", city="Darlington",
                           postcode="DL1 1AA"),
)


def test_saving_every_part_of_a_service(ws: Workspace) -> None:
    trust = _org(ws)
    sid = save_service(ws, ServiceInput(organisation_id=trust, name="Yoga", **FULL))  # type: ignore[arg-type]
    saved = load_service(ws, sid)
    assert saved.categories == ("clubs_groups", "health_wellbeing")
    assert len(saved.schedules) == 2 and saved.places[0].postcode == "DL1 1AA"
    # Saving it unchanged writes nothing at all.
    before = table_counts(ws)
    save_service(ws, saved)
    assert table_counts(ws) == before
    # Change one thing in each part.
    place = replace(saved.places[0], address_1="2 Example Street")
    edited = replace(
        saved, name="Chair Yoga", categories=("health_wellbeing",),
        terms=(), schedules=(saved.schedules[0], ScheduleInput(5, time(9), time(10))),
        closures=(), costs=(replace(saved.costs[0], amount=4.0),), areas=("DL1",),
        area_notes=(), location=None,
        locations=(place, LocationInput(name="Annex", postcode="DL3 7AB")))
    save_service(ws, edited)
    after = load_service(ws, sid)
    assert after.name == "Chair Yoga" and after.categories == ("health_wellbeing",)
    assert after.terms == () and after.closures == () and after.area_notes == ()
    assert [(r.weekday, r.opens_at) for r in after.schedules] == [(1, time(10)),
                                                                   (5, time(9))]
    assert after.schedules[0].id == saved.schedules[0].id  # the unchanged row was kept
    assert [c.amount for c in after.costs] == [4.0] and after.costs[0].id == saved.costs[0].id
    assert sorted(p.address_1 or p.name for p in after.places) == ["2 Example Street",
                                                                   "Annex"]
    assert saved.places[0].id in {p.id for p in after.places}  # the place kept its id
    # Every change went to the change log in the network scope (it syncs to every site).
    with ws.db.read() as s:
        scopes = {r[0] for r in s.execute(text(
            "SELECT DISTINCT scope FROM change_log WHERE table_name IN ('service', "
            "'regular_schedule', 'cost_option', 'location', 'service_area', "
            "'service_taxonomy', 'holiday_closure', 'service_at_location')"))}
    assert scopes == {"network"}


def test_the_editor_validates_as_the_import_does(ws: Workspace) -> None:
    trust = _org(ws)
    with pytest.raises(InvalidInput, match="postcode area"):
        save_service(ws, ServiceInput(organisation_id=trust, name="X", area_notes=("DL1",)))
    with pytest.raises(InvalidInput, match="not a UK postcode"):
        save_service(ws, ServiceInput(organisation_id=trust, name="X",
                                      location=LocationInput(postcode="nowhere")))
    with pytest.raises(InvalidInput, match="What it gives"):
        save_service(ws, ServiceInput(organisation_id=trust, name="X",
                                      deliverable_type="Snacks"))
    with pytest.raises(InvalidInput, match="too long"):
        save_organisation(ws, OrganisationInput(name="x" * 400))
    oid = save_organisation(ws, OrganisationInput(name="New Trust", charity_number="123"))
    save_organisation(ws, OrganisationInput(id=oid, name="New Trust CIO",
                                            charity_number="123"))
    with ws.db.read() as s:
        assert s.execute(text("SELECT name FROM organisation WHERE id = :i"),
                         {"i": oid}).scalar_one() == "New Trust CIO"
