"""The audit log: who did what to which record, hash-chained so tampering shows.

Holds ids and action names only, never personal data."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_id: str | None = None
    site_id: str | None = None
    action: str = Field(max_length=48, index=True)
    entity: str | None = Field(default=None, max_length=32)
    entity_id: str | None = Field(default=None, index=True)
    detail: str | None = None  # non-personal detail: field names, counts, formats
    prev_hash: str
    hash: str
