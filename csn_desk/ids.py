"""Identifiers and clocks: UUIDv7 ids (sortable, safe to mint offline) and UTC time."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid6


def new_id() -> str:
    """A new UUIDv7 as a string; later ids sort after earlier ones."""
    return str(uuid6.uuid7())


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (the store refuses naive ones)."""
    return datetime.now(UTC)
