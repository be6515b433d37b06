"""Possible duplicates are flagged on add and on import (same charity or company number;
similar name at the same postcode); a merge keeps every referral pointing at the entry that
stays, and is logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from csn_desk.directory.details import service_details
from csn_desk.directory.duplicates import (
    name_key,
    possible_duplicates_of_organisation,
    possible_duplicates_of_service,
    similar,
)
from csn_desk.directory.editing import (
    LocationInput,
    OrganisationInput,
    ServiceInput,
    add_organisation,
    add_service,
)
from csn_desk.directory.merge import apply_received_merges, merge_organisations, merge_services
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.records import load_service
from csn_desk.directory.search import SearchFilters, search_services
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput
from csn_desk.referrals import ReferralDraft
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.directory.dirkit import write_json


def _refer(ws: Workspace, service_id: str) -> None:
    save_enquiry(ws, EnquiryDraft(channel=vocab("channels").codes[0],
                                  enquirer_type=vocab("enquirer_types").codes[0],
                                  needs=(NeedInput("clubs_groups"),)),
                 [ReferralDraft(kind="signposted", service_id=service_id)])


def _referrals_to(ws: Workspace, service_id: str) -> int:
    with ws.db.read() as s:
        return int(s.execute(text("SELECT count(*) FROM referral WHERE service_id = :s"),
                             {"s": service_id}).scalar_one())


def test_names_compare_without_case_punctuation_or_filler() -> None:
    assert name_key("The Riverside Lunch Club Ltd.") == "riverside lunch club"
    assert similar("Riverside Lunch Club", "riverside lunch-club")
    assert similar("Lunch club, Riverside", "Riverside Lunch Club")
    assert not similar("Riverside Lunch Club", "Riverside Walking Group")


def test_flagged_on_add(ws: Workspace) -> None:
    trust = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust",
                                                   charity_number="1100123"))
    lunch = add_service(ws, ServiceInput(organisation_id=trust, name="Riverside Lunch Club",
                                         location=LocationInput(postcode="DL1 1AA")))
    again = ServiceInput(organisation_id=trust, name="Riverside lunch-club",
                         location=LocationInput(postcode="dl11aa"))
    (match,) = possible_duplicates_of_service(ws, again)
    assert match.other_id == lunch and "same postcode (DL1 1AA)" in match.sentence()
    elsewhere = ServiceInput(organisation_id=trust, name="Riverside Lunch Club",
                             location=LocationInput(postcode="DL3 7AB"))
    assert possible_duplicates_of_service(ws, elsewhere) == []
    (org,) = possible_duplicates_of_organisation(
        ws, OrganisationInput(name="HLT", charity_number=" 01100123 "))
    assert org.other_id == trust and "charity number" in org.reason


def test_flagged_on_import(ws: Workspace, tmp_path: Path) -> None:
    trust = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))
    add_service(ws, ServiceInput(organisation_id=trust, name="Tablet Help",
                                 location=LocationInput(postcode="DL1 1AA")))
    path = write_json(tmp_path / "feed.json", [
        {"id": "x1", "name": "Tablet help sessions", "status": "active",
         "organization": {"id": "o1", "name": "Council Digital Team"},
         "service_at_locations": [{"location": {"id": "l1", "addresses": [
             {"postal_code": "DL1 1AA"}]}}]}])
    report = import_file(ws, path)
    assert report.written and report.service_counts.created == 1
    (flag,) = [i for i in report.warnings if "Possible duplicate" in i.message]
    assert "Tablet Help" in flag.message and "x1" in flag.record


def test_merge_services_repoints_referrals_and_is_logged(ws: Workspace) -> None:
    trust = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))
    keep = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch Club",
                                        categories=("clubs_groups",)))
    gone = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch club (old)",
                                        categories=("clubs_groups",)))
    _refer(ws, gone)
    _refer(ws, gone)
    _refer(ws, keep)
    result = merge_services(ws, keep, gone)
    assert result.moved == 2 and "2 referrals" in result.sentence()
    assert _referrals_to(ws, keep) == 3 and _referrals_to(ws, gone) == 0
    merged = load_service(ws, gone)
    assert merged.merged_into == keep and merged.status == "defunct"
    assert [h.id for h in search_services(ws, "lunch", SearchFilters())] == [keep]
    lines = [line for _h, group in service_details(ws, gone).sections for line in group]
    assert "Merged into 'Lunch Club': use that entry." in lines
    with ws.db.read() as s:
        events = s.execute(text("SELECT detail FROM audit_event WHERE action = "
                                "'merge:service' AND entity_id = :g"), {"g": gone}).all()
        logged = s.execute(text("SELECT count(*) FROM change_log WHERE row_id = :g AND "
                                "field = 'merged_into' AND scope = 'network'"),
                           {"g": gone}).scalar_one()
    assert len(events) == 1 and "2 referrals" in events[0][0]
    assert logged == 1  # travels to every site through sync
    with pytest.raises(InvalidInput, match="already merged"):
        merge_services(ws, keep, gone)
    with pytest.raises(InvalidInput, match="two different"):
        merge_services(ws, keep, keep)


def test_referrals_elsewhere_follow_a_merge_that_arrives_by_sync(ws: Workspace) -> None:
    """Another site merged B into A; our referrals to B move when we apply it."""
    trust = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))
    a = add_service(ws, ServiceInput(organisation_id=trust, name="A"))
    b = add_service(ws, ServiceInput(organisation_id=trust, name="B"))
    c = add_service(ws, ServiceInput(organisation_id=trust, name="C"))
    _refer(ws, c)
    with ws.db.write(ws.actor) as w:  # as sync would apply the other site's changes
        for row_id, target in ((c, b), (b, a)):
            w.session.execute(text("UPDATE service SET merged_into = :t, status = 'defunct' "
                                   "WHERE id = :i"), {"t": target, "i": row_id})
    assert apply_received_merges(ws) == 1
    assert _referrals_to(ws, a) == 1 and _referrals_to(ws, c) == 0
    assert apply_received_merges(ws) == 0  # nothing left to do, nothing written


def test_merge_organisations_moves_services_and_fills_numbers(ws: Workspace) -> None:
    keep = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))
    gone = add_organisation(ws, OrganisationInput(name="Harbour Lane Trust Ltd",
                                                  charity_number="1100123"))
    sid = add_service(ws, ServiceInput(organisation_id=gone, name="Lunch",
                                       location=LocationInput(postcode="DL1 1AA")))
    result = merge_organisations(ws, keep, gone)
    assert result.moved == 1
    assert load_service(ws, sid).organisation_id == keep
    (match,) = possible_duplicates_of_organisation(
        ws, OrganisationInput(name="x", charity_number="1100123"))
    assert match.other_id == keep  # the number moved to the organisation that stayed
