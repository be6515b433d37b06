"""Signed acks: each site says, in ``ack/<site>/<n>.ack``, how far it has applied every other
site's stream without gaps (its *frontier*). They show when each site was last heard from
(even one that only reads), and give the stability frontier (what every active site has)
that compaction needs.

A site publishes a new ack when its frontier moved, or at least every ``HEARTBEAT``; it
keeps only its latest two ack files (it is their only writer)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from csn_desk.ids import utcnow
from csn_desk.store.models.sync import SyncMember, SyncNetwork
from csn_desk.sync.crypto import (
    BadDocument,
    Identity,
    parse_document,
    sign_document,
    verify_document,
)
from csn_desk.sync.documents import MAX_DOC, Roster
from csn_desk.sync.drop import SITE_RE, Drop, read_file
from csn_desk.sync.errors import SyncError
from csn_desk.workspace import Workspace

HEARTBEAT = timedelta(hours=12)
KEEP = 2


def frontier(session: Session) -> dict[str, int]:
    """For each site, the highest seq recorded here with every seq before it recorded too.

    Counted in SQL (it runs every round, over every segment ever recorded): seqs are whole
    numbers without repeats, so while they run 1, 2, 3... each equals its place in order,
    and the first gap breaks that for good. A site whose lowest seq is below 1 has none.
    The usual case, no gap at all (lowest 1, highest = count), is read off the primary key
    first; only when some site has a gap is the window query run."""
    out: dict[str, int] = {}
    gaps = False
    for site_id, count, lowest, highest in session.execute(text(
            "SELECT site_id, COUNT(*), MIN(seq), MAX(seq) FROM sync_segment "
            "GROUP BY site_id")).all():
        if lowest == 1 and highest == count:
            out[str(site_id)] = int(highest)
        elif lowest >= 1:
            gaps = True
    if not gaps:
        return out
    rows = session.execute(text(
        "SELECT site_id, MAX(seq) FROM ("
        " SELECT site_id, seq,"
        "  ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY seq) AS place,"
        "  MIN(seq) OVER (PARTITION BY site_id) AS lowest"
        " FROM sync_segment)"
        " WHERE seq = place AND lowest >= 1 GROUP BY site_id")).all()
    return {str(site_id): int(top) for site_id, top in rows}


def publish_ack(ws: Workspace, drop: Drop, net: SyncNetwork, ident: Identity) -> bool:
    """Publish this site's frontier if it moved (or the last ack is old). True if written."""
    with ws.db.read() as s:
        current = frontier(s)
    body_front = json.dumps(current, sort_keys=True)
    last_at = net.ack_at
    fresh = last_at is not None and utcnow() - _aware(last_at) < HEARTBEAT
    if body_front == net.ack_json and fresh:
        return False
    n = net.ack_n + 1
    body = {"format": "csn-desk-ack", "network_id": net.network_id, "site_id": ws.site_id,
            "n": n, "frontier": current, "created": utcnow().isoformat()}
    try:
        drop.publish(drop.ack_path(ws.site_id, n), sign_document(ident, body, "ack"),
                     tag=ws.site_id)
    except SyncError:
        return False  # next time; an ack is never urgent
    with ws.db.write(ws.actor) as w:
        row = w.session.get(SyncNetwork, net.network_id)
        if row is not None:
            row.ack_n, row.ack_json, row.ack_at = n, body_front, utcnow()
            w.session.add(row)
    for old, path in drop.acks(ws.site_id).items():
        if old <= n - KEEP:
            with contextlib.suppress(OSError):
                os.unlink(path)
    return True


def _aware(when: datetime) -> datetime:
    from datetime import UTC

    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Ack:
    site_id: str
    n: int
    frontier: dict[str, int]
    created: datetime


def read_acks(ws: Workspace, drop: Drop, net: SyncNetwork, roster: Roster) -> int:
    """Take each active site's newest valid ack (signature checked once per new file)."""
    taken = 0
    with ws.db.read() as s:
        known = {m.site_id: m.ack_n for m in s.execute(select(SyncMember)).scalars()}
    for member in roster.active():
        if member.site_id == ws.site_id:
            continue
        files = drop.acks(member.site_id)
        if not files:
            continue
        n = max(files)
        if n <= known.get(member.site_id, 0):
            continue
        ack = _read(files[n], net.network_id, member.site_id, member.sign_key, n)
        if ack is None:
            continue
        with ws.db.write(ws.actor) as w:
            row = w.session.get(SyncMember, member.site_id)
            if row is None:
                continue
            row.ack_n, row.acked_json = ack.n, json.dumps(ack.frontier, sort_keys=True)
            if row.last_heard_at is None or _aware(row.last_heard_at) < ack.created:
                row.last_heard_at = ack.created
            w.session.add(row)
        taken += 1
    return taken


def _read(path: Any, network_id: str, site_id: str, sign_key: str, n: int) -> Ack | None:
    data = read_file(path, MAX_DOC)
    if data is None:
        return None
    try:
        body, signer, sig = parse_document(data, MAX_DOC)
        if (body.get("format") != "csn-desk-ack" or body.get("network_id") != network_id
                or body.get("site_id") != site_id or signer != site_id or body.get("n") != n):
            return None
        verify_document(body, sig, sign_key, "ack")
        front = body.get("frontier")
        created = datetime.fromisoformat(str(body.get("created")))
    except (BadDocument, ValueError):
        return None
    if not isinstance(front, dict) or not all(
            isinstance(k, str) and SITE_RE.match(k) and isinstance(v, int)
            and not isinstance(v, bool) and v >= 0 for k, v in front.items()):
        return None
    return Ack(site_id, n, dict(front), _aware(created))


def stable_frontier(session: Session, own_site: str) -> dict[str, int]:
    """For each origin, the seq every active site has applied (acked; ours from here): what
    an author could delete once a checkpoint covers it."""
    return _agreed(session, own_site, lambda _m: True)


def compaction_frontier(session: Session, own_site: str, now: datetime,
                        stale_after: timedelta) -> dict[str, int]:
    """``stable_frontier`` without the active sites not heard from for ``stale_after``: a
    site away that long no longer holds the drop's segments back (it catches up from a
    checkpoint when it returns). A site never heard from still does."""
    return _agreed(session, own_site, lambda m: m.last_heard_at is None
                   or now - _aware(m.last_heard_at) <= stale_after)


def _agreed(session: Session, own_site: str,
            counts: Callable[[SyncMember], bool]) -> dict[str, int]:
    """Per origin, the lowest seq applied among the active sites that ``counts`` keeps
    (this site's own view always counts)."""
    members = [m for m in session.execute(select(SyncMember)).scalars()
               if m.status == "active"]
    mine = frontier(session)
    views = []
    for m in members:
        if m.site_id == own_site:
            views.append(mine)
            continue
        if not counts(m):
            continue
        try:
            views.append({k: int(v) for k, v in json.loads(m.acked_json or "{}").items()})
        except ValueError:
            views.append({})
    origins = {m.site_id for m in members}
    return {o: min(v.get(o, 0) for v in views) for o in sorted(origins)} if views else {}
