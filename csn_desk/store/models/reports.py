"""Anonymous monthly tally snapshots: what each site publishes to the whole network.

A snapshot holds counts only (enquiries by need, age band, channel, ...; referrals by
directory service; outcomes; a histogram of days to start), never a person, a note or a
free-text service name. Its id is derived from (site, month), so a site that recomputes a
month updates the same row field by field when sync carries it (see ``reports/snapshot.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from csn_desk.store.models.base import created_field, id_field
from csn_desk.store.models.enquiries import Enquiry, EnquiryNeed, Referral, ReferralEvent


class TallySnapshot(SQLModel, table=True):
    __tablename__ = "tally_snapshot"
    # Network figures ask "every site's snapshot for this month".
    __table_args__ = (Index("ix_tally_snapshot_month_site", "month", "site_id"),)
    id: str = id_field()
    site_id: str = Field(foreign_key="site.id")
    organisation_id: str = Field(foreign_key="organisation.id")
    month: str = Field(max_length=7)  # "2026-10": a calendar month in UK time
    format_version: int = 1
    figures: str = "{}"  # JSON object of counts (see csn_desk/reports/figures.py)
    computed_at: datetime = created_field()


class TallyMonth(SQLModel, table=True):
    """Local and derived (never synced): every count of a monthly report, per organisation,
    UK calendar month and site, kept true by triggers on enquiry, enquiry_need, referral and
    referral_event (migration 0006), whoever writes. Keys are those of
    ``csn_desk/reports/figures.py``. A month's figures are a read of these rows."""

    __tablename__ = "tally_month"
    __table_args__ = {"sqlite_with_rowid": False}
    organisation_id: str = Field(primary_key=True, max_length=36)
    month: str = Field(primary_key=True, max_length=7)
    site_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=128)
    n: int = 0


class TallyClientMonth(SQLModel, table=True):
    """Local and derived: the clients who made an enquiry at a site in a month (``n``
    enquiries), and whether that month is their first ever (new, not returning)."""

    __tablename__ = "tally_client_month"
    __table_args__ = (Index("ix_tally_client_month_client", "client_id", "month"),
                      {"sqlite_with_rowid": False})
    organisation_id: str = Field(primary_key=True, max_length=36)
    month: str = Field(primary_key=True, max_length=7)
    site_id: str = Field(primary_key=True, max_length=36)
    client_id: str = Field(primary_key=True, max_length=36)
    n: int = 0
    is_first: bool = False


def _columns(model: type[SQLModel], *names: str) -> list[Any]:
    table: Any = model.__table__  # type: ignore[attr-defined]
    return [table.c[name] for name in names]


# Covering indexes for counting a month (migration 0006), declared here beside the tables
# they serve so that the models and the migrated schema stay comparable.
TALLY_INDEXES = (
    Index("ix_enquiry_need_tally",
          *_columns(EnquiryNeed, "enquiry_id", "need_code", "outcome", "unmet_reason")),
    Index("ix_enquiry_client_received", *_columns(Enquiry, "client_id", "received_at")),
    Index("ix_referral_tally", *_columns(Referral, "enquiry_id", "id", "service_id",
                                         "created_at")),
    Index("ix_referral_event_tally", *_columns(ReferralEvent, "referral_id", "at", "id",
                                               "status")),
)
