"""Fictional people, services and referrals for the letter tests, written through the
services (never raw SQL). Phone numbers are in Ofcom's drama range (01632 960xxx)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import record_consent
from csn_desk.directory.editing import (
    LocationInput,
    OrganisationInput,
    ServiceInput,
    add_organisation,
    add_service,
)
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import ReferralDraft
from csn_desk.sites import update_site_details
from csn_desk.store.models import Referral
from csn_desk.workspace import Workspace

SITE_PHONE = "01632 960000"
SERVICE_PHONE = "01632 960123"
DUE = date(2026, 11, 20)
DAY = date(2026, 11, 25)


def setup_site(ws: Workspace) -> None:
    update_site_details(ws, name="Example Street Drop-in", phone=SITE_PHONE,
                        email="dropin@example.org", address_line1="1 Example Street",
                        post_town="Darlington", postcode="dl1 1aa")


def add_example_service(ws: Workspace, *, phone: str | None = SERVICE_PHONE,
                        address: bool = True, name: str = "Benefits Advice Service") -> str:
    org = add_organisation(ws, OrganisationInput(name="Example Advice Trust"))
    location = LocationInput(name="Example House", address_1="20 Example Road",
                             city="Darlington", postcode="DL3 7AA") if address else None
    return add_service(ws, ServiceInput(organisation_id=org, name=name, phone=phone,
                                        description="Free help with benefits.",
                                        location=location))


def add_person(ws: Workspace, given: str = "Zoë", family: str = "O'Neill", *,
               fmt: str = "large18", line1: str | None = "12 Example Street",
               line2: str | None = None, line3: str | None = None,
               town: str | None = "Darlington", postcode: str | None = "DL3 6AA",
               contact: str = "letter", phone: str | None = None,
               followup_consent: bool = True) -> str:
    """A person with a postal address who (by default) agreed to be contacted to follow
    up, as the follow-up letter needs (resources/consent_rules.json)."""
    cid = add_client(ws, ClientInput(given_name=given, family_name=family,
                                     preferred_format=fmt, address_line1=line1,
                                     address_line2=line2, address_line3=line3,
                                     post_town=town, postcode=postcode,
                                     preferred_contact=contact, phone=phone))
    if followup_consent:
        record_consent(ws, cid, "contact_followup", True, "in_person")
    return cid


def add_referral(ws: Workspace, client_id: str | None, service_id: str | None, *,
                 share: bool = False, due: date = DUE, external: str | None = None,
                 needs: tuple[str, ...] = ("money_benefits",)) -> str:
    """An enquiry for the person (anonymous when ``client_id`` is None) with one referral;
    returns the referral's id."""
    kind = "referred" if share else "signposted"
    draft = ReferralDraft(kind=kind, service_id=service_id, external_service=external,
                          consent_to_share=share, follow_up_due=due)
    eid = save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                        needs=tuple(NeedInput(n) for n in needs),
                                        client_id=client_id), [draft])
    with ws.db.read() as s:
        return str(s.execute(select(col(Referral.id))
                             .where(col(Referral.enquiry_id) == eid)).scalar_one())


def consent(ws: Workspace, client_id: str, purpose: str, given: bool = True) -> str:
    return record_consent(ws, client_id, purpose, given, "in_person")
