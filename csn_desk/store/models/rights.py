"""People's data protection requests (subject access, erasure, rectification, restriction),
each with the date it came in and its legal due date, so the organisation can show the ICO
that it answered in time. Local to the site that took the request (never synced): it holds
ids and dates only."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from csn_desk.store.models.base import created_field, id_field


class SubjectRequest(SQLModel, table=True):
    __tablename__ = "subject_request"
    id: str = id_field()
    client_id: str = Field(index=True, max_length=36)  # no foreign key: kept after erasure
    kind: str = Field(max_length=16)  # sar / erasure / rectification / restriction
    received: date
    due: date
    completed: date | None = None
    user_id: str | None = None
    recorded_at: datetime = created_field()
