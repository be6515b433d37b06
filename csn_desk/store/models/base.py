"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from csn_desk.ids import new_id, utcnow


def id_field() -> str:
    return Field(default_factory=new_id, primary_key=True, max_length=36)


def created_field() -> datetime:
    return Field(default_factory=utcnow)
