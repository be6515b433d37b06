"""The shared service directory, modelled on Open Referral UK (HSDS): organisation, service,
location, schedules, holiday closures, cost options, service areas and taxonomy.
Network scope: every site sees the same directory."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from csn_desk.store.models.base import id_field


class Organisation(SQLModel, table=True):
    """A directory organisation. Member organisations of the network have ``is_member``."""

    __tablename__ = "organisation"
    id: str = id_field()
    name: str = Field(index=True)
    description: str = ""
    email: str | None = None
    url: str | None = None
    phone: str | None = None
    charity_number: str | None = Field(default=None, index=True)
    company_number: str | None = None
    is_member: bool = False
    assured_date: date | None = None
    needs_checking: bool = True
    # The id this entry has in the file it was imported from, when that is not ours (0005).
    external_id: str | None = Field(default=None, index=True)
    # Set when a coordinator merged this duplicate into another entry (0005).
    merged_into: str | None = None


class Service(SQLModel, table=True):
    __tablename__ = "service"
    id: str = id_field()
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    name: str
    description: str = ""
    status: str = "active"  # active / inactive / defunct / temporarily closed
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    application_process: str | None = None
    fees_text: str | None = None
    deliverable_type: str | None = None
    attending_type: str | None = None  # venue / phone / online / home visit
    attending_access: str | None = None  # drop-in / appointment / referral / membership
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility: str | None = None
    what_to_take: str | None = None  # ORUK/HSDS "required documents", said in plain words
    assured_date: date | None = None
    assured_by: str | None = None
    needs_checking: bool = True
    alert: str | None = None
    alert_until: date | None = None
    external_id: str | None = Field(default=None, index=True)  # (0005) see Organisation
    # A merged duplicate: kept (defunct) so referrals anywhere still resolve; sites that
    # receive this through sync re-point their own referrals to the survivor (0005).
    merged_into: str | None = None


class Location(SQLModel, table=True):
    __tablename__ = "location"
    # Possible duplicates are looked up by postcode (0005).
    __table_args__ = (Index("ix_location_postcode", "postcode"),)
    id: str = id_field()
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = ""
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    postcode: str | None = None
    accessibility: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    external_id: str | None = Field(default=None, index=True)  # (0005) see Organisation


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    location_id: str = Field(foreign_key="location.id", index=True)


class RegularSchedule(SQLModel, table=True):
    __tablename__ = "regular_schedule"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    weekday: int  # 1 = Monday ... 7 = Sunday (ISO)
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str | None = None


class HolidayClosure(SQLModel, table=True):
    __tablename__ = "holiday_closure"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    start_date: date
    end_date: date
    closed: bool = True
    opens_at: time | None = None
    closes_at: time | None = None
    note: str | None = None


class CostOption(SQLModel, table=True):
    """Free is an amount of zero, not a blank."""

    __tablename__ = "cost_option"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    amount: float | None = None
    currency: str = "GBP"
    option: str | None = None  # e.g. "per session"
    amount_description: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class ServiceArea(SQLModel, table=True):
    __tablename__ = "service_area"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    postcode_district: str | None = Field(default=None, index=True)  # e.g. "DL1"; None = any
    description: str | None = None


class ServiceTaxonomy(SQLModel, table=True):
    """A service's need categories (our codes) and any external taxonomy terms."""

    __tablename__ = "service_taxonomy"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    vocabulary: str = "csn-need"
    term_code: str = Field(index=True)
    # The term's name for vocabularies other than ours (e.g. an LGA service type), so it is
    # searchable and exported as it came (0005); our categories take labels from resources/.
    label: str | None = None


class DirectoryReview(SQLModel, table=True):
    """A "last checked" record: who checked an entry and when."""

    __tablename__ = "directory_review"
    id: str = id_field()
    service_id: str = Field(foreign_key="service.id", index=True)
    checked_on: date
    checked_by: str | None = None
    note: str | None = None
    created_at: datetime | None = None
