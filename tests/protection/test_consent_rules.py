"""Consent rules (resources/consent_rules.json) enforced by the services: a referral letter
or a referral on the person's behalf needs consent to share; a follow-up letter needs consent
to contact (the batch skips the person and says why); adding to a named record stops when
keeping a record was refused, unless the lawful basis does not rest on consent. Renewals due
are listed. Refusals name the consent, never the person. Also rectification (DP-10): each edit
is audited with the changed field names only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import ClientInput, add_client, update_client
from csn_desk.consents import record_consent, uk_today, withdraw_consent
from csn_desk.documents.batch import letters_due
from csn_desk.documents.letters import LetterRefused, make_followup_letter, make_referral_letter
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.protection.consent_rules import (
    ConsentMissing,
    consent_rules,
    missing_consents,
    renewals_due,
    require_consent,
)
from csn_desk.store.models import AuditEvent
from csn_desk.workspace import Workspace
from tests.documents.letterkit import (
    DAY,
    add_example_service,
    add_person,
    add_referral,
    setup_site,
)

NAME = "Ermintrudeva"


def test_every_rule_names_known_purposes() -> None:
    rules = consent_rules()
    assert {"referral_letter", "refer_on_behalf", "followup_letter", "followup_contact",
            "keep_record"} <= set(rules)
    assert rules["followup_letter"].purposes == ("contact_followup",)


def test_follow_up_needs_consent_in_force(ws: Workspace) -> None:
    setup_site(ws)
    cid = add_person(ws, family=NAME, followup_consent=False)
    assert missing_consents(ws, cid, "followup_letter") == ("contact_followup",)
    with pytest.raises(ConsentMissing) as caught:
        require_consent(ws, cid, "followup_contact")
    message = str(caught.value)
    assert message == ("This person has not agreed to be contacted to follow up, or has "
                       "withdrawn; record their consent first.")
    assert NAME not in message
    consent = record_consent(ws, cid, "contact_followup", True, "phone")
    assert missing_consents(ws, cid, "followup_letter") == ()
    withdraw_consent(ws, consent)
    assert missing_consents(ws, cid, "followup_letter") == ("contact_followup",)
    # A consent past its renewal date has lapsed.
    record_consent(ws, cid, "contact_followup", True, "phone",
                   renewal_due=uk_today() + timedelta(days=3))
    assert missing_consents(ws, cid, "followup_letter") == ()
    assert missing_consents(ws, cid, "followup_letter",
                            today=uk_today() + timedelta(days=4)) == ("contact_followup",)


def test_batch_skips_people_without_contact_consent_and_says_why(ws: Workspace) -> None:
    setup_site(ws)
    service = add_example_service(ws)
    agreed = add_referral(ws, add_person(ws), service, due=date(2026, 11, 2))
    never = add_referral(ws, add_person(ws, followup_consent=False), service,
                         due=date(2026, 11, 3))
    result = letters_due(ws, date(2026, 11, 30), day=DAY)
    assert [letter.referral_id for letter in result.letters] == [agreed]
    [skipped] = result.skipped
    assert (skipped.referral_id, skipped.code) == (never, "no_consent")
    with pytest.raises(LetterRefused, match="has not agreed to be contacted"):
        make_followup_letter(ws, never, day=DAY)


def test_referral_on_behalf_and_referral_letter_need_consent_to_share(ws: Workspace) -> None:
    setup_site(ws)
    service = add_example_service(ws)
    cid = add_person(ws)
    rid = add_referral(ws, cid, service, share=True)  # consent given at the desk
    with pytest.raises(LetterRefused, match="has not agreed to share their details"):
        make_referral_letter(ws, rid, day=DAY)  # not recorded on the person: no letter
    consent = record_consent(ws, cid, "share_referral", True, "in_person")
    assert make_referral_letter(ws, rid, day=DAY).pages >= 1
    withdraw_consent(ws, consent)
    with pytest.raises(LetterRefused, match="has not agreed to share their details"):
        make_referral_letter(ws, rid, day=DAY)
    # With the consent withdrawn, no new referral on their behalf either.
    with pytest.raises(ConsentMissing, match="share their details"):
        add_referral(ws, cid, service, share=True)
    assert add_referral(ws, cid, service, share=False)  # signposting is still fine


def test_refused_record_keeping_stops_new_enquiries_unless_basis_is_not_consent(
        ws: Workspace) -> None:
    cid = add_client(ws, ClientInput(given_name="Ada", family_name=NAME))
    draft = EnquiryDraft(channel="walk_in", enquirer_type="self",
                         needs=(NeedInput("information"),), client_id=cid)
    assert save_enquiry(ws, draft)  # not asked yet: asked at this visit
    record_consent(ws, cid, "keep_record", False, "in_person")
    with pytest.raises(ConsentMissing, match="have a record kept about them"):
        save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                      needs=(NeedInput("information"),), client_id=cid))
    update_client(ws, cid, lawful_basis="legitimate_interests")
    assert save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                         needs=(NeedInput("information"),), client_id=cid))
    assert save_enquiry(ws, EnquiryDraft(channel="phone", enquirer_type="self",
                                         needs=(NeedInput("information"),)))  # anonymous


def test_renewals_due_lists_consents_to_ask_again(ws: Workspace) -> None:
    cid = add_client(ws, ClientInput(given_name="Ada", family_name=NAME))
    today = uk_today()
    record_consent(ws, cid, "keep_record", True, "in_person",
                   renewal_due=today + timedelta(days=10))
    record_consent(ws, cid, "contact_followup", True, "in_person",
                   renewal_due=today + timedelta(days=200))
    record_consent(ws, cid, "share_referral", True, "in_person",
                   renewal_due=today + timedelta(days=2))
    assert [c.purpose for c in renewals_due(ws, cid)] == ["share_referral", "keep_record"]
    later = today + timedelta(days=190)
    assert [c.purpose for c in renewals_due(ws, cid, today=later)] == [
        "share_referral", "keep_record", "contact_followup"]


def test_rectification_is_audited_with_field_names_only(ws: Workspace) -> None:
    cid = add_client(ws, ClientInput(given_name="Ada", family_name=NAME, phone="01632 960001"))
    update_client(ws, cid, family_name="Ermintrudova", phone="01632 960002")
    update_client(ws, cid, phone="01632 960002")  # no change: nothing logged
    with ws.db.read() as s:
        rows = s.execute(select(col(AuditEvent.action), col(AuditEvent.detail))
                         .where(col(AuditEvent.entity_id) == cid,
                                col(AuditEvent.action) == "update:client")).all()
    assert len(rows) == 1
    fields = set((rows[0][1] or "").split(","))
    assert {"family_name", "phone"} <= fields and "given_name" not in fields
    assert not any(v in (rows[0][1] or "") for v in ("Ermintrudova", "960002", NAME))


def test_rectification_request_is_logged_and_done(ws: Workspace) -> None:
    from csn_desk.clients import get_client
    from csn_desk.protection.rectification import rectify_client
    from csn_desk.protection.subject_requests import requests_for

    cid = add_client(ws, ClientInput(given_name="Ada", family_name=NAME))
    rectify_client(ws, cid, received=date(2026, 3, 31), family_name="Ermintrudova")
    assert get_client(ws, cid).family_name == "Ermintrudova"
    [request] = requests_for(ws, cid)
    assert (request.kind, request.received, request.due, request.completed) == (
        "rectification", date(2026, 3, 31), date(2026, 4, 30), uk_today())
    with ws.db.read() as s:
        details = s.execute(select(col(AuditEvent.detail)).where(
            col(AuditEvent.action) == "rectify:client")).scalars().all()
    assert details == ["family_name"]
