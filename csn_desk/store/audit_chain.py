"""Appending to and verifying the hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so changing,
removing or reordering any entry breaks the chain from that point on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from csn_desk.ids import utcnow
from csn_desk.store.models import AuditEvent
from csn_desk.store.rawsql import execute, to_sql

GENESIS = "0" * 64
_INSERT = ("INSERT INTO audit_event (seq, at, user_id, site_id, action, entity, entity_id, "
           "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _digest(prev_hash: str, seq: int, at: datetime, user_id: str | None, site_id: str | None,
            action: str, entity: str | None, entity_id: str | None, detail: str | None) -> str:
    body = json.dumps([prev_hash, seq, at.strftime("%Y-%m-%dT%H:%M:%S.%f"), user_id, site_id,
                       action, entity, entity_id, detail], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def last_entry(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


@dataclass
class AuditAppender:
    """Appends entries within one transaction, remembering the chain head between calls."""

    session: Session
    _head: tuple[int, str] | None = None

    def append(self, action: str, *, user_id: str | None, site_id: str | None,
               entity: str | None = None, entity_id: str | None = None,
               detail: str | None = None) -> None:
        seq, prev = self._head if self._head is not None else last_entry(self.session)
        seq += 1
        at = utcnow()
        digest = _digest(prev, seq, at, user_id, site_id, action, entity, entity_id, detail)
        # A plain insert: no ORM object to flush, and the entry is in the transaction at once.
        execute(self.session, _INSERT, (seq, to_sql(at), user_id, site_id, action, entity,
                                        entity_id, detail, prev, digest))
        self._head = (seq, digest)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_seq: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log in order and say where, if anywhere, the chain breaks."""
    prev, expected_seq, count = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(col(AuditEvent.seq)))
    for (ev,) in rows:
        count += 1
        if ev.seq != expected_seq:
            return ChainReport(count, ev.seq, f"entry {expected_seq} is missing")
        if ev.prev_hash != prev:
            return ChainReport(count, ev.seq, f"entry {ev.seq} does not follow the entry before it")
        at = ev.at if ev.at.tzinfo is None else ev.at.replace(tzinfo=None)
        digest = _digest(prev, ev.seq, at, ev.user_id, ev.site_id, ev.action, ev.entity,
                         ev.entity_id, ev.detail)
        if digest != ev.hash:
            return ChainReport(count, ev.seq, f"entry {ev.seq} has been changed")
        prev, expected_seq = ev.hash, expected_seq + 1
    return ChainReport(count, None, None)
