"""Clients and their consents: the personal data, kept only when needed (most enquiries are
anonymous). Organisation scope: shared between the sites of one organisation only."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from csn_desk.store.models.base import created_field, id_field


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: str = id_field()
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = Field(default=None, index=True)
    age_band: str | None = None
    postcode: str | None = Field(default=None, index=True)  # normalised "DL1 1AA"
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    post_town: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_contact: str = "letter"  # letter / phone / email / none
    preferred_format: str = "not_asked"  # resources/vocab formats
    language: str | None = None
    interpreter: str | None = None  # e.g. "BSL", "Polish"
    disability: str | None = None
    long_term_condition: str | None = None
    carer_status: str | None = None
    lawful_basis: str | None = None
    article9_condition: str | None = None
    restricted: bool = False
    restricted_reason: str | None = None  # resources/vocab/restriction_reasons code
    # Search keys derived from the name, kept beside it for the duplicate check.
    family_key: str = Field(default="", index=True)
    given_key: str = ""
    created_at: datetime = created_field()
    last_contact_at: datetime | None = None
    erased_at: datetime | None = None


class Consent(SQLModel, table=True):
    """One consent decision for one purpose. A new decision is a new row; withdrawal sets
    ``withdrawn_at`` on the row it withdraws."""

    __tablename__ = "consent"
    id: str = id_field()
    client_id: str = Field(foreign_key="client.id", index=True)
    purpose: str = Field(max_length=32)  # keep_record / share_referral / contact_followup
    given: bool = True
    method: str = Field(max_length=32)  # in_person / phone / letter / email / form
    taken_by_user_id: str | None = None
    recorded_at: datetime = created_field()
    renewal_due: date | None = None
    withdrawn_at: datetime | None = None
