"""Plain DB-API statements for the hot write path, with values in exactly the text forms
SQLAlchemy's SQLite types store (so ORM reads see the same thing).

Saving an enquiry writes ~40 rows (row, change log, cell clocks, audit); SQLAlchemy's
per-statement overhead was most of its cost, so the write path talks to the driver directly
inside the session's own transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

import sqlcipher3
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


def to_sql(value: Any) -> Any:
    """A Python value as SQLAlchemy's SQLite dialect stores it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.%f")
    return value


@cache
def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


def driver(session: Session) -> Any:
    """The session's DB-API connection, inside its transaction (begun if needed)."""
    return session.connection().connection.driver_connection


def execute(session: Session, sql: str, params: Any, *, many: bool = False) -> Any:
    """Run one statement on the session's connection. Driver errors come out as SQLAlchemy's
    (IntegrityError and so on), the same as from any other query in the app."""
    con = driver(session)
    try:
        return con.executemany(sql, params) if many else con.execute(sql, params)
    except sqlcipher3.Error as exc:
        raise DBAPIError.instance(sql, params, exc, sqlcipher3.Error) from exc
