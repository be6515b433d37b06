"""Appending to and verifying the hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so changing,
removing or reordering any entry breaks the chain from that point on."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from csn_desk.ids import utcnow
from csn_desk.store.models import AuditEvent
from csn_desk.store.rawsql import execute, to_sql

GENESIS = "0" * 64
_INSERT = ("INSERT INTO audit_event (seq, at, user_id, site_id, action, entity, entity_id, "
           "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


# ``json.dumps(..., separators=(",", ":"))``'s encoder, made once.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _digest(prev_hash: str, seq: int, at: datetime, user_id: str | None, site_id: str | None,
            action: str, entity: str | None, entity_id: str | None, detail: str | None) -> str:
    body = json.dumps([prev_hash, seq, at.strftime("%Y-%m-%dT%H:%M:%S.%f"), user_id, site_id,
                       action, entity, entity_id, detail], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def last_entry(session: Session) -> tuple[int, str]:
    """The chain head. Plain SQL on the session's connection: no ORM flush is needed first
    (entries are only ever written with plain inserts), and this runs in every write."""
    row = execute(session, "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
                  ()).fetchone()
    return anchor(session) if row is None else (int(row[0]), str(row[1]))


# Retention deletes the oldest entries; the seq and hash of the last one deleted are kept here
# (in local_setting) so the entries after it still verify as an unbroken chain.
ANCHOR_KEY = "audit.anchor"


def anchor(session: Session) -> tuple[int, str]:
    """(seq, hash) the chain starts after: (0, GENESIS) unless old entries were purged."""
    row = execute(session, "SELECT value FROM local_setting WHERE key = ?",
                  (ANCHOR_KEY,)).fetchone()
    if row is None:
        return 0, GENESIS
    seq, _, digest = str(row[0]).partition(":")
    return (int(seq), digest) if seq.isdigit() else (0, GENESIS)  # damaged: verify says so


def set_anchor(session: Session, seq: int, digest: str) -> None:
    """Record that entries up to ``seq`` (whose hash is ``digest``) are being purged."""
    execute(session, "INSERT INTO local_setting (key, value) VALUES (?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value", (ANCHOR_KEY, f"{seq}:{digest}"))


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

    def append_many(self, events: list[tuple[str, str | None, str | None]], *,
                    user_id: str | None, site_id: str | None) -> None:
        """``append`` for many (action, entity, entity_id) events, in order, in one
        ``executemany`` (no detail)."""
        self.append_many_while(events, None, user_id=user_id, site_id=site_id)

    def append_many_while(self, events: list[tuple[str, str | None, str | None]],
                          work: Callable[[], object] | None, *, user_id: str | None,
                          site_id: str | None) -> None:
        """``append_many``, with the entries worked out on a thread of their own while
        ``work`` runs here (if given): a long SQL statement lets go of the GIL, so the
        chain's hashing costs no time of its own. ``work`` must not append to the chain.
        The entries are inserted after both have ended (if both succeeded), in order."""
        if not events:
            if work is not None:
                work()
            return
        head = self._head if self._head is not None else last_entry(self.session)
        if work is None:
            rows, head = _chain_rows(events, head, user_id, site_id)
        else:
            made: list[tuple[list[tuple[object, ...]], tuple[int, str]]] = []
            failed: list[BaseException] = []

            def chain() -> None:
                try:
                    made.append(_chain_rows(events, head, user_id, site_id))
                except BaseException as exc:  # raised below, here
                    failed.append(exc)

            thread = threading.Thread(target=chain, name="csn-desk-audit", daemon=True)
            thread.start()
            try:
                work()
            finally:
                thread.join()
            if failed:
                raise failed[0]
            rows, head = made[0]
        execute(self.session, _INSERT, rows, many=True)
        self._head = head


def _chain_rows(events: list[tuple[str, str | None, str | None]], head: tuple[int, str],
                user_id: str | None, site_id: str | None
                ) -> tuple[list[tuple[object, ...]], tuple[int, str]]:
    """The rows that append these events after ``head`` (seq, hash), and the new head.
    Plain Python, no database: ``append_many_while`` runs it on a thread."""
    seq, prev = head
    rows: list[tuple[object, ...]] = []
    # What ``_digest`` and ``to_sql`` write, for the many: the time's text from
    # ``isoformat`` (the same text as their ``strftime`` for a UTC time of a year from
    # 1000, at a fraction of the cost) and one JSON encoder, not one a call.
    encode, sha256 = _COMPACT.encode, hashlib.sha256
    for action, entity, entity_id in events:
        seq += 1
        at = utcnow().astimezone(UTC).replace(tzinfo=None)
        if at.year < 1000:  # never now; the general way, to be exact
            at_sql = to_sql(at)
            digest = _digest(prev, seq, at, user_id, site_id, action, entity, entity_id,
                             None)
        else:
            at_sql = at.isoformat(" ", "microseconds")
            digest = sha256(encode(
                [prev, seq, at.isoformat("T", "microseconds"), user_id, site_id, action,
                 entity, entity_id, None]).encode()).hexdigest()
        rows.append((seq, at_sql, user_id, site_id, action, entity, entity_id, None,
                     prev, digest))
        prev = digest
    return rows, (seq, prev)


CHANGED, REMOVED, REORDERED = "changed", "removed", "reordered"


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_seq: int | None
    problem: str | None
    kind: str | None = None  # CHANGED, REMOVED or REORDERED when the chain is broken

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entry_digest(ev: AuditEvent, prev_hash: str, seq: int) -> str:
    at = ev.at if ev.at.tzinfo is None else ev.at.replace(tzinfo=None)
    return _digest(prev_hash, seq, at, ev.user_id, ev.site_id, ev.action, ev.entity,
                   ev.entity_id, ev.detail)


def _classify(session: Session, ev: AuditEvent, count: int) -> ChainReport:
    """Entry ``ev`` does not continue the chain: say whether it was changed, or whether
    entries were moved or removed around it. Only runs once, on a broken log."""
    hashes = {str(h) for (h,) in session.execute(select(AuditEvent.hash))}
    here = int(ev.seq or 0)
    if _entry_digest(ev, ev.prev_hash, here) == ev.hash:
        # Intact in itself, but it points at another entry than the one before it.
        if ev.prev_hash in hashes:
            return ChainReport(count, ev.seq, f"entry {ev.seq} does not follow the entry "
                               "before it: entries have been reordered", REORDERED)
        before = here - 1
        return ChainReport(count, before, f"entry {before} has been changed", CHANGED)
    # Sealed under another number: the entry was moved (renumbered).
    top = int(session.execute(select(func.max(AuditEvent.seq))).scalar_one() or 0)
    for seq in range(1, top + 2):
        if seq != ev.seq and _entry_digest(ev, ev.prev_hash, seq) == ev.hash:
            if ev.prev_hash in hashes:
                return ChainReport(count, ev.seq, f"entry {ev.seq} does not follow the entry "
                                   f"before it: entries have been reordered (it was entry "
                                   f"{seq})", REORDERED)
            return ChainReport(count, ev.seq, f"an entry before entry {ev.seq} has been removed "
                               "and the rest renumbered", REMOVED)
    return ChainReport(count, ev.seq, f"entry {ev.seq} has been changed", CHANGED)


def verify_chain(session: Session) -> ChainReport:
    """Walk the log in order from its anchor and say where, if anywhere, the chain breaks,
    and how (changed, removed or reordered)."""
    start_seq, prev = anchor(session)
    expected_seq, count = start_seq + 1, 0
    rows = session.execute(select(AuditEvent).order_by(col(AuditEvent.seq)))
    for (ev,) in rows:
        count += 1
        if ev.seq != expected_seq:
            if ev.seq < expected_seq:  # renumbered before the anchor or duplicated
                return _classify(session, ev, count)
            return ChainReport(count, ev.seq, f"entry {expected_seq} is missing (removed)",
                               REMOVED)
        if ev.prev_hash != prev or _entry_digest(ev, prev, ev.seq) != ev.hash:
            return _classify(session, ev, count)
        prev, expected_seq = ev.hash, expected_seq + 1
    return ChainReport(count, None, None)
