"""A person with something in every table that refers to a client, and a second person who
must never appear in the first one's pack, for the rights tests (written through the
services, never raw SQL). Marker strings are made up and searched for byte by byte."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import record_consent
from csn_desk.documents.slip import make_slip
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.followups import record_outcome
from csn_desk.referrals import ReferralDraft
from csn_desk.store.models import Referral
from csn_desk.workspace import Workspace
from tests.documents.letterkit import add_example_service, setup_site

# Each is unique to the person: name, address, phone, email, note text.
MARKERS = {"given_name": "Quenbertha", "family_name": "Zwillingsford",
           "address_line1": "7 Marrowquill Lane", "phone": "01632 960777",
           "email": "quenbertha@example.org", "disability": "Glaucomaxian sight loss",
           "long_term_condition": "Asthmorrine"}
NOTE = "Spoke about Vellmoraine flat damp"
EVENT_NOTE = "Ollivandrix rang back"
OTHER = {"given_name": "Hestragonde", "family_name": "Pluvenmarch"}
OTHER_NOTE = "Brackenwistle allotment"


@dataclass(frozen=True)
class Person:
    client_id: str
    enquiry_id: str
    referral_id: str
    other_id: str


def make_person(ws: Workspace) -> Person:
    setup_site(ws)
    service = add_example_service(ws)
    cid = add_client(ws, ClientInput(
        given_name=MARKERS["given_name"], family_name=MARKERS["family_name"],
        date_of_birth=date(1941, 3, 9), postcode="DL3 6AA",
        address_line1=MARKERS["address_line1"], post_town="Darlington",
        phone=MARKERS["phone"], email=MARKERS["email"], preferred_format="large18",
        disability=MARKERS["disability"], long_term_condition=MARKERS["long_term_condition"],
        article9_condition="explicit_consent", carer_status=None))
    for purpose in ("keep_record", "share_referral", "contact_followup"):
        record_consent(ws, cid, purpose, True, "in_person")
    eid = save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                        needs=(NeedInput("money_benefits"),), notes=NOTE,
                                        client_id=cid, age_band="80_plus",
                                        postcode_district="DL3"),
                       [ReferralDraft(kind="referred", service_id=service,
                                      consent_to_share=True, follow_up_due=date(2026, 11, 20))])
    with ws.db.read() as s:
        rid = str(s.execute(select(col(Referral.id))
                            .where(col(Referral.enquiry_id) == eid)).scalar_one())
    record_outcome(ws, rid, "contacted", note=EVENT_NOTE)
    make_slip(ws, eid)
    other = add_client(ws, ClientInput(given_name=OTHER["given_name"],
                                       family_name=OTHER["family_name"]))
    save_enquiry(ws, EnquiryDraft(channel="phone", enquirer_type="self",
                                  needs=(NeedInput("money_benefits"),), notes=OTHER_NOTE,
                                  client_id=other))
    return Person(cid, eid, rid, other)
