"""The log of people's requests about their data (subject access, erasure, rectification,
restriction) and their due dates by the ICO one-month rule (DP-08), so the organisation can
show it answered in time. Ids and dates only."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import find_clients
from csn_desk.directory.fit import bank_holiday
from csn_desk.errors import NotFound
from csn_desk.postcodes import district
from csn_desk.protection.roles import require
from csn_desk.store.models import SubjectRequest
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

KINDS_VOCAB = "subject_request_kinds"


def one_month_after(received: date) -> date:
    """The corresponding calendar date in the next month; when that month has no such date
    (31 January -> February), the last day of the next month."""
    year, month = (received.year + 1, 1) if received.month == 12 else \
        (received.year, received.month + 1)
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date, holidays: frozenset[date] | None = None) -> date:
    """``day`` itself, or the first day after it that is not a weekend or a bank holiday
    (England and Wales, from the maintained ``holidays`` library unless ``holidays`` is
    given)."""
    def closed(d: date) -> bool:
        return d in holidays if holidays is not None else bank_holiday(d) is not None

    while day.weekday() >= 5 or closed(day):
        day += timedelta(days=1)
    return day


def due_date(received: date, holidays: frozenset[date] | None = None) -> date:
    """When a request received on ``received`` must be answered by (ICO one-month rule: the
    corresponding date next month, or its last day; moved to the next working day)."""
    return next_working_day(one_month_after(received), holidays)


@dataclass(frozen=True)
class RequestRow:
    id: str
    client_id: str
    kind: str
    received: date
    due: date
    completed: date | None


def log_request(w: Writer, client_id: str, kind: str, received: date) -> str:
    """Within an open unit of work: log a request (audited); returns its id."""
    vocab(KINDS_VOCAB).check(kind, "kind of request")
    row = w.create(SubjectRequest(client_id=client_id, kind=kind, received=received,
                                  due=due_date(received), user_id=w.actor.user_id))
    return row.id


def complete_request(w: Writer, request_id: str, day: date) -> None:
    row = w.session.get(SubjectRequest, request_id)
    if row is None:
        raise NotFound("That request was not found in the log.")
    w.update(row, completed=day)


def requests_for(ws: Workspace, client_id: str) -> list[RequestRow]:
    """A person's requests, oldest first (shown in their subject access pack too)."""
    with ws.db.read() as s:
        rows = s.execute(select(SubjectRequest)
                         .where(col(SubjectRequest.client_id) == client_id)
                         .order_by(col(SubjectRequest.received), col(SubjectRequest.recorded_at))
                         ).scalars().all()
        return [RequestRow(r.id, r.client_id, r.kind, r.received, r.due, r.completed)
                for r in rows]


@dataclass(frozen=True)
class SubjectHint:
    """One match when an administrator looks up whom a request is about: the record id and
    a hint that tells people apart without identifying anyone (year of birth, postcode
    district)."""

    client_id: str
    birth_year: int | None
    district: str | None
    restricted: bool


def find_subjects(ws: Workspace, text: str, limit: int = 20) -> list[SubjectHint]:
    """Client ids matching ``text`` (a name, date of birth or postcode, as on the client
    page), for administrators handling a request. The search is audited (count only)."""
    require(ws, "rights.subject_access")
    found = find_clients(ws, text, limit=limit)
    with ws.db.write(ws.actor) as w:
        w.event("find:client", entity="client", detail=f"matches={len(found)}")
    return [SubjectHint(m.id, m.date_of_birth.year if m.date_of_birth else None,
                        district(m.postcode) if m.postcode else None, m.restricted)
            for m in found]
