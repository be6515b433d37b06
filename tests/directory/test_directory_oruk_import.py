"""Importing hand-made Open Referral UK files (the ORUK 3 service shape and the v1 data
package) into a real encrypted workspace: every table we model arrives, ids and identifiers
match existing entries, what a file does not carry is kept, re-importing changes nothing."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from csn_desk.directory.details import service_details
from csn_desk.directory.editing import OrganisationInput, add_organisation, update_service
from csn_desk.directory.inputs import ServiceInput
from csn_desk.directory.oruk_import import check_file, import_file
from csn_desk.directory.oruk_validate import our_id
from csn_desk.directory.records import load_directory, load_service
from csn_desk.directory.search import search_services
from csn_desk.workspace import Workspace
from tests.directory.dirkit import DATA, table_counts, write_json

LUNCH = "7b1f3c7e-2a44-4c55-9a51-0d7f3b2a9e01"
TRUST = "d4a8c2b1-5e6f-4a70-8b91-c2d3e4f5a6b7"


def _service(ws: Workspace, sid: str) -> ServiceInput:
    return load_service(ws, sid)


def test_oruk3_file_brings_every_table_we_model(ws: Workspace) -> None:
    report = import_file(ws, DATA / "oruk3_services.json")
    assert report.shape == "Open Referral UK 3 services"
    assert report.written and report.service_counts.created == 2
    assert report.organisation_counts.created == 1
    s = _service(ws, LUNCH)
    assert (s.name, s.status, s.url, s.email, s.phone) == (
        "Riverside Lunch Club", "active", "https://example.org/lunch", "lunch@example.org",
        "01632 960101")
    assert (s.minimum_age, s.maximum_age, s.eligibility) == (60, 110, "Older people living "
                                                                      "alone")
    assert (s.attending_type, s.attending_access, s.deliverable_type) == (
        "venue", "drop-in", "Information")
    assert s.assured_date == date(2026, 3, 1) and s.alert.startswith("The hall lift")
    assert s.fees_text == "Lunch costs a small amount."
    assert s.what_to_take == "Nothing; bring a friend if you like."
    assert s.application_process == "Just turn up; first visit free."
    # Schedules: "MO,WE" is two rows; the monthly one is left out (with a warning).
    assert [(r.weekday, r.opens_at, r.closes_at) for r in s.schedules] == [
        (1, time(12), time(14)), (3, time(12), time(14))]
    assert any("Only weekly" in i.message for i in report.warnings)
    assert [(c.start_date, c.end_date, c.closed) for c in s.closures] == [
        (date(2026, 12, 24), date(2027, 1, 2), True)]
    (cost,) = s.costs
    assert (cost.amount, cost.option, cost.amount_description, cost.valid_to) == (
        4.5, "Two courses", "per lunch", date(2026, 12, 31))
    assert s.areas == ("DL1",) and s.area_notes == ("Darlington borough",)
    (place,) = s.places
    assert (place.name, place.address_1, place.city, place.postcode) == (
        "Riverside Hall", "12 Example Street", "Darlington", "DL1 1AA")
    assert place.accessibility == "Step-free entrance - Hearing loop"
    assert (place.latitude, place.longitude) == (54.523, -1.553)
    assert s.categories == ("clubs_groups",)
    assert [(t.vocabulary, t.code, t.label) for t in s.terms] == [
        ("esdServiceType", "242", "Care at home")]
    # The organisation, with both identifiers.
    d = load_directory(ws)
    trust = next(o for o in d.organisations if o.id == TRUST)
    assert (trust.charity_number, trust.company_number, trust.url, trust.phone) == (
        "1123456", "06543210", "https://example.org", "01632 960100")
    # A non-UUID id becomes a stable UUID, the file's id kept beside it.
    tablet = _service(ws, our_id("service", "svc-2")[0])
    assert tablet.external_id == "svc-2" and tablet.status == "temporarily closed"
    assert tablet.costs[0].amount == 0 and tablet.schedules[0].opens_at == time(10)
    # Parts we do not keep are named; the extra phone number is mentioned.
    assert {"contacts", "languages"} <= set(report.not_kept)
    assert any("first phone number" in i.message for i in report.warnings)
    assert any(line.startswith("WARNING  the whole file: Only the first phone number")
               for line in report.lines())  # about the file, not about a record
    # Imported services are searchable at once, by their other taxonomy's name too.
    assert [h.id for h in search_services(ws, "care at home")] == [LUNCH]
    lines = [line for _h, group in service_details(ws, LUNCH).sections for line in group]
    assert "Also listed as: Care at home" in lines
    assert "What to take: Nothing; bring a friend if you like." in lines


def test_v1_data_package_brings_every_table_we_model(ws: Workspace) -> None:
    report = import_file(ws, DATA / "oruk1_package.json")
    assert report.shape == "Open Referral UK v1 data package", report.lines()
    assert report.errors == (), report.lines()
    assert report.service_counts.created == 1 and report.organisation_counts.created == 2
    s = _service(ws, our_id("service", "s-1")[0])
    assert (s.name, s.phone, s.fees_text, s.deliverable_type, s.attending_type,
            s.attending_access) == ("Benefit Check", "01632 960200", "Free", "Advice", "phone",
                                    "appointment")
    assert (s.minimum_age, s.maximum_age, s.eligibility) == (18, 120, "adult")
    assert [(r.weekday, r.opens_at, r.valid_to, r.description) for r in s.schedules] == [
        (2, time(9, 30), None, "Tuesday mornings"), (4, time(13), date(2026, 6, 30), None)]
    (closure,) = s.closures
    assert not closure.closed and closure.opens_at == time(10)
    assert [c.amount for c in s.costs] == [0.0] and s.areas == ("DL3",)
    assert s.categories == ("money_benefits",)
    assert [(t.vocabulary, t.code, t.label) for t in s.terms] == [
        ("esdNeed", "esdNeed:69", "Social inclusion")]
    assert s.what_to_take == "Your latest benefit letter"
    (place,) = s.places
    assert (place.address_1, place.address_2, place.postcode) == (
        "3 Example Road", "Northgate", "DL3 7AB")
    assert place.accessibility == "wheelchair - Ramp at the side door"
    orgs = {o.name: o for o in load_directory(ws).organisations}
    advice = orgs["Northgate Advice Centre"]
    assert (advice.charity_number, advice.phone, advice.assured_date) == (
        "SC012345", "01632 960201", date(2026, 2, 1))
    assert "Quiet Organisation" in orgs  # an organisation with no services still arrives
    assert {"contact", "language"} <= set(report.not_kept)


@pytest.mark.parametrize("name", ["oruk3_services.json", "oruk1_package.json"])
def test_reimporting_the_same_file_changes_nothing(ws: Workspace, name: str) -> None:
    import_file(ws, DATA / name)
    before = table_counts(ws)
    again = import_file(ws, DATA / name)
    assert again.written and again.service_counts.created == 0
    assert again.service_counts.updated == 0 and again.organisation_counts.updated == 0
    after = table_counts(ws)
    assert after == before  # not one change-log entry or audit event more


def test_dry_run_writes_nothing_and_counts_what_would_change(ws: Workspace) -> None:
    before = table_counts(ws)
    report = check_file(ws, DATA / "oruk3_services.json")
    assert report.dry_run and not report.written
    assert report.service_counts.created == 2
    assert "would be" in report.summary()
    assert table_counts(ws) == before


def test_update_matches_by_id_and_keeps_what_the_file_does_not_carry(
        ws: Workspace, tmp_path: Path) -> None:
    import_file(ws, DATA / "oruk3_services.json")
    # A coordinator adds our own fields the council's file does not have.
    update_service(ws, LUNCH, what_to_take="A bowl")
    data = json.loads((DATA / "oruk3_services.json").read_text())
    lunch = data["contents"][0]
    lunch["name"] = "Riverside Lunch Club (new hall)"
    del lunch["required_documents"]  # the feed stopped carrying them
    lunch["cost_options"][0]["amount"] = 5
    report = import_file(ws, write_json(tmp_path / "v2.json", data))
    assert report.service_counts.updated == 1 and report.service_counts.unchanged == 1
    s = _service(ws, LUNCH)
    assert s.name == "Riverside Lunch Club (new hall)"
    assert s.what_to_take == "A bowl"  # kept: the file did not carry it
    assert [c.amount for c in s.costs] == [5.0]


def test_organisation_matched_by_charity_number(ws: Workspace) -> None:
    mine = add_organisation(ws, OrganisationInput(name="Riverside CT", charity_number="1123456"))
    report = import_file(ws, DATA / "oruk3_services.json")
    assert report.organisation_counts.created == 0 and report.organisation_counts.updated == 1
    assert {s.organisation_id for s in load_directory(ws).services} == {mine}


def test_valid_records_or_nothing(ws: Workspace, tmp_path: Path) -> None:
    data = json.loads((DATA / "oruk3_services.json").read_text())
    data["contents"][1]["status"] = "closed for good"  # not an ORUK status
    path = write_json(tmp_path / "mixed.json", data)
    before = table_counts(ws)
    strict = import_file(ws, path, valid_only=False)
    assert not strict.written and table_counts(ws) == before
    assert "Nothing was imported" in strict.summary()
    (error,) = strict.errors
    assert error.field == "status" and "svc-2" in error.record and "Tablet Help" in error.record
    assert "active, inactive, defunct, temporarily closed" in error.message
    partial = import_file(ws, path)
    assert partial.written and partial.service_counts.created == 1
    assert partial.valid_services == 1 and partial.invalid_services == 1
    assert [s.name for s in load_directory(ws).services] == ["Riverside Lunch Club"]


def test_service_whose_organisation_is_unknown_is_refused(ws: Workspace,
                                                         tmp_path: Path) -> None:
    path = write_json(tmp_path / "orphan.json", [{"id": "x1", "name": "Orphan",
                                                 "status": "active",
                                                 "organization_id": "nowhere"}])
    report = import_file(ws, path)
    assert not report.anything_to_import and not report.written
    (error,) = report.errors
    assert error.field == "organization_id" and "neither in the file" in error.message
