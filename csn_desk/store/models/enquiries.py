"""Enquiries, their coded needs, referrals with append-only events, and the documents log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from csn_desk.ids import utcnow
from csn_desk.store.models.base import created_field, id_field


class Enquiry(SQLModel, table=True):
    __tablename__ = "enquiry"
    # Lists and tallies ask "this organisation's enquiries in this period, newest first".
    __table_args__ = (Index("ix_enquiry_org_received", "organisation_id", "received_at"),)
    id: str = id_field()
    organisation_id: str = Field(foreign_key="organisation.id")
    site_id: str = Field(foreign_key="site.id", index=True)
    user_id: str | None = None
    received_at: datetime = Field(default_factory=utcnow, index=True)
    channel: str = Field(max_length=16)
    enquirer_type: str = Field(max_length=16)
    client_id: str | None = Field(default=None, foreign_key="client.id", index=True)
    age_band: str | None = None
    postcode_district: str | None = None
    route: str | None = None
    notes: str = ""
    time_spent_minutes: int | None = None
    status: str = "open"  # open / closed


class EnquiryNeed(SQLModel, table=True):
    __tablename__ = "enquiry_need"
    id: str = id_field()
    enquiry_id: str = Field(foreign_key="enquiry.id", index=True)
    need_code: str = Field(max_length=32, index=True)
    outcome: str = "open"  # open / met / partly_met / unmet
    unmet_reason: str | None = None


class Referral(SQLModel, table=True):
    """A signposting outcome. Its status is derived from its events, never stored."""

    __tablename__ = "referral"
    id: str = id_field()
    enquiry_id: str = Field(foreign_key="enquiry.id", index=True)
    service_id: str | None = Field(default=None, foreign_key="service.id", index=True)
    external_service: str | None = None
    kind: str = Field(max_length=16)  # information / signposted / referred / booked
    consent_to_share: bool = False
    follow_up_due: date | None = Field(default=None, index=True)
    created_at: datetime = created_field()


class ReferralEvent(SQLModel, table=True):
    """Append-only: events are never edited, so sites never conflict on a referral's status."""

    __tablename__ = "referral_event"
    id: str = id_field()
    referral_id: str = Field(foreign_key="referral.id", index=True)
    status: str = Field(max_length=24)
    note: str = ""
    at: datetime = created_field()
    user_id: str | None = None
    site_id: str | None = None


class ReferralState(SQLModel, table=True):
    """Derived and local (never synced): each referral's latest status, kept by SQL triggers on
    referral and referral_event (migration 0003), so the follow-up queue is an index range
    instead of a scan of every event. The events remain the truth."""

    __tablename__ = "referral_state"
    __table_args__ = (Index("ix_referral_state_queue", "organisation_id", "is_open",
                            "follow_up_due"),)
    referral_id: str = Field(primary_key=True, max_length=36)
    organisation_id: str | None = None
    follow_up_due: date | None = None
    status: str | None = None
    status_at: datetime | None = None
    status_event_id: str | None = None
    is_open: bool = True


class Document(SQLModel, table=True):
    """Every slip, letter, report or export produced (what, for whom, when, by whom, format)."""

    __tablename__ = "document"
    id: str = id_field()
    kind: str = Field(max_length=24)
    client_id: str | None = Field(default=None, foreign_key="client.id", index=True)
    enquiry_id: str | None = Field(default=None, foreign_key="enquiry.id")
    referral_id: str | None = Field(default=None, foreign_key="referral.id")
    format: str = "standard"
    created_at: datetime = created_field()
    user_id: str | None = None
    site_id: str | None = None
    pages: int | None = None


class LetterTemplate(SQLModel, table=True):
    """An organisation's edited letter template. No row means the default from
    ``resources/templates/``; "restore default" deletes the row. The id is derived from
    (organisation, kind) so two sites editing the same template merge field by field."""

    __tablename__ = "letter_template"
    id: str = id_field()
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=32)
    subject: str = ""
    body: str = ""
    updated_at: datetime = created_field()
    updated_by: str | None = None
