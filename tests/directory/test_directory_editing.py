"""Directory editing: plain validation messages, bulk adds in one writer, safe deletes."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import text

from csn_desk.directory.editing import (
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    add_organisation_with,
    add_service,
    add_service_with,
    delete_service,
    update_service,
)
from csn_desk.directory.search import SearchFilters, search_services
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.referrals import ReferralDraft
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.directory.dirkit import CostInput, org


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "  "}, "Give the service a name."),
    ({"minimum_age": 70, "maximum_age": 60}, "minimum age is above the maximum"),
    ({"categories": ("nonsense",)}, "not a valid need category"),
    ({"costs": (CostInput(amount=-1),)}, "free is 0"),
    ({"areas": ("not a place",)}, "is not a UK postcode"),
    ({"status": "closed"}, "Status must be one of"),
    ({"attending_access": "walk-in"}, "Access must be one of"),
    ({"schedules": (ScheduleInput(weekday=8),)}, "weekday"),
    ({"schedules": (ScheduleInput(weekday=1, opens_at=time(12), closes_at=time(9)),)},
     "before its closing"),
    ({"alert_until": date(2026, 1, 1)}, "needs the alert text"),
    ({"email": "nobody.example"}, "needs an @"),
])
def test_validation_messages(ws: Workspace, changes: dict[str, object], message: str) -> None:
    o = org(ws)
    fields: dict[str, object] = {"organisation_id": o, "name": "Chair yoga", **changes}
    with pytest.raises(InvalidInput, match=message):
        add_service(ws, ServiceInput(**fields))  # type: ignore[arg-type]
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM service")).scalar_one() == 0


def test_unknown_organisation_and_service(ws: Workspace) -> None:
    with pytest.raises(NotFound):
        add_service(ws, ServiceInput(organisation_id="nope", name="Chair yoga"))
    with pytest.raises(NotFound):
        update_service(ws, "nope", name="x")


def test_bulk_add_in_one_writer_logs_every_row(ws: Workspace) -> None:
    with ws.db.write(ws.actor) as w:
        o = add_organisation_with(w, OrganisationInput(name="Bulk Trust"))
        sids = [add_service_with(w, ServiceInput(
            organisation_id=o, name=f"Service {i}", categories=("carers",),
            areas=("dl1", "DL1 1AA"), location=LocationInput(name="Hall", postcode="dl11aa")),
            check_organisation=False) for i in range(25)]
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM service_area")).scalar_one() == 25
        assert s.execute(text("SELECT DISTINCT postcode FROM location")).all() == [("DL1 1AA",)]
        logged = s.execute(text("SELECT count(DISTINCT row_id) FROM change_log "
                                "WHERE table_name = 'service'")).scalar_one()
        audited = s.execute(text("SELECT count(*) FROM audit_event "
                                 "WHERE action = 'create:service'")).scalar_one()
    assert logged == audited == len(set(sids)) == 25


def test_assured_date_clears_needs_checking(ws: Workspace) -> None:
    sid = add_service(ws, ServiceInput(organisation_id=org(ws), name="Chair yoga"))
    update_service(ws, sid, assured_date=date(2026, 5, 1))
    with ws.db.read() as s:
        assert s.execute(text("SELECT needs_checking FROM service")).scalar_one() == 0


def test_delete_refuses_a_service_referrals_point_at(ws: Workspace) -> None:
    sid = add_service(ws, ServiceInput(organisation_id=org(ws), name="Chair yoga",
                                       categories=("health_wellbeing",)))
    kind = vocab("referral_kinds").codes[0]
    save_enquiry(ws, EnquiryDraft(channel=vocab("channels").codes[0],
                                  enquirer_type=vocab("enquirer_types").codes[0],
                                  needs=(NeedInput("health_wellbeing"),)),
                 [ReferralDraft(kind=kind, service_id=sid)])
    with pytest.raises(InvalidInput, match="defunct"):
        delete_service(ws, sid)
    update_service(ws, sid, status="defunct")
    assert search_services(ws, "yoga") == []
    assert [h.id for h in search_services(ws, "yoga", SearchFilters(include_inactive=True))] == [
        sid]
