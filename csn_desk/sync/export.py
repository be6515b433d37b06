"""Publishing this site's changes: everything in the change log after the last published seq,
per scope, as immutable encrypted signed segments.

Order of events for each segment, so a crash at any point loses nothing and never gives one
seq two contents: read the changes; find this site's highest seq, here *and in the drop*
(after a restored backup the drop is ahead: continue after it); build the bytes; publish
them (staged, fsynced, placed without overwriting); only then record the seq as published
and move the export mark on. A crash before the record leaves a segment that the next sync
re-imports as this site's own (a no-op) and then continues after; the changes go out again
in the next seq, which applies as a no-op everywhere."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from json import JSONDecoder, loads
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from csn_desk.ids import utcnow
from csn_desk.store import migrate
from csn_desk.store.models import NETWORK as NETWORK_KIND
from csn_desk.store.models import ORGANISATION as ORGANISATION_KIND
from csn_desk.store.models.sync import SyncExportMark, SyncNetwork, SyncSegment
from csn_desk.sync import segment as seg
from csn_desk.sync import state
from csn_desk.sync.crypto import Identity
from csn_desk.sync.documents import NETWORK, org_scope
from csn_desk.sync.drop import Drop, read_file
from csn_desk.sync.errors import PublishCollision
from csn_desk.sync.failpoints import crashpoint
from csn_desk.workspace import Workspace

CLONE_REASON = ("Another computer has published this site's changes under the same numbers; "
                "this copy may be a clone of another install.")


@dataclass
class ExportResult:
    segments: int = 0
    changes: int = 0
    alerts: list[str] | None = None


# What ``loads`` runs inside (the decoder's C scanner), without its per-call wrapping.
_SCAN: Any = getattr(JSONDecoder(), "scan_once")  # noqa: B009 (not in the type stubs)

_PENDING = ("SELECT seq, table_name, row_id, field, value_json, hlc, base_hlc, base_site, op "
            "FROM change_log WHERE seq > :after AND scope = :scope AND site_id = :site "
            "ORDER BY seq LIMIT :limit")


def pending_changes(session: Session, site_id: str, kind: str, after: int,
                    limit: int) -> list[Any]:
    return list(session.execute(text(_PENDING), {"after": after, "scope": kind,
                                                 "site": site_id, "limit": limit}).all())


def count_waiting(session: Session, site_id: str, kind: str) -> int:
    mark = session.get(SyncExportMark, kind)
    after = mark.last_seq if mark else 0
    return int(session.execute(text(
        "SELECT count(*) FROM change_log WHERE seq > :after AND scope = :scope "
        "AND site_id = :site"), {"after": after, "scope": kind, "site": site_id}).scalar_one())


def _previous(ws: Workspace, drop: Drop, session: Session) -> tuple[int, str]:
    """(seq, hash) of this site's latest segment: the higher of what the database recorded
    and what the drop holds. Raises PublishCollision if the drop's copy of a seq we published
    differs from ours (a clone of this install published it)."""
    recorded_seq, recorded_hash = state.last_own_seq(session, ws.site_id)
    in_drop = drop.segments(ws.site_id)
    top = max(in_drop, default=0)
    if top == 0 or top < recorded_seq:
        return recorded_seq, recorded_hash
    data = read_file(in_drop[top], seg.MAX_FILE)
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    if top == recorded_seq:
        if data is not None and digest != recorded_hash:
            raise PublishCollision()
        return recorded_seq, recorded_hash
    # The drop is ahead of this database (restored from a backup, or a crash between
    # publishing and recording): continue after the drop's highest seq.
    return top, digest


def check_own_segments(ws: Workspace, drop: Drop, recent: int = 3) -> None:
    """Our latest few published segments are still ours in the drop. If the drop holds a
    different file under one of our numbers, another install with our identity (a clone)
    published it: raises PublishCollision. Cheap: a few small reads per sync."""
    with ws.db.read() as s:
        mine = s.execute(select(SyncSegment.seq, SyncSegment.hash)
                         .where(col(SyncSegment.site_id) == ws.site_id)
                         .order_by(col(SyncSegment.seq).desc()).limit(recent)).all()
    for seq, digest in mine:
        data = read_file(drop.seg_path(ws.site_id, int(seq)), seg.MAX_FILE)
        if data is not None and hashlib.sha256(data).hexdigest() != digest:
            raise PublishCollision()


def export_changes(ws: Workspace, drop: Drop, net: SyncNetwork, ident: Identity,
                   scope_keys: dict[tuple[str, int], bytes], *,
                   max_ops: int = seg.MAX_OPS) -> ExportResult:
    result = ExportResult(alerts=[])
    install = state.install_tag(ws)
    drop.clean_tmp(ws.site_id)
    schema = migrate.head_revision()
    waiting = _kinds_waiting(ws)
    for kind, scope in ((NETWORK_KIND, NETWORK),
                        (ORGANISATION_KIND, org_scope(ws.organisation_id))):
        key = scope_keys.get((scope, net.epoch))
        if key is None:
            assert result.alerts is not None
            result.alerts.append("Waiting for the keys of this site's records from the other "
                                 "sites; changes are kept until they arrive.")
            continue
        while kind in waiting:
            with ws.db.read() as s:
                mark = s.get(SyncExportMark, kind)
                after = mark.last_seq if mark else 0
                rows = pending_changes(s, ws.site_id, kind, after, max_ops)
                if not rows:
                    break
                prev_seq, prev_hash = _previous(ws, drop, s)
            seq = prev_seq + 1
            ops = [[r[1], r[2], r[3], value, r[5], r[6], r[7], r[8]]
                   for r, value in zip(rows, _values(rows), strict=True)]
            data = seg.build(network_id=net.network_id, identity=ident, seq=seq,
                             prev_hash=prev_hash, scope=scope, epoch=net.epoch, schema=schema,
                             ops=ops, scope_key=key, install=install,
                             created_ms=int(time.time() * 1000),
                             salt=secrets.token_bytes(32))
            crashpoint("export:built")
            drop.publish(drop.seg_path(ws.site_id, seq), data, tag=f"{ws.site_id}-{seq:012d}")
            crashpoint("export:placed")
            _record(ws, seq, data, prev_hash, scope, net.epoch, len(ops), install,
                    kind, int(rows[-1][0]))
            crashpoint("export:recorded")
            result.segments += 1
            result.changes += len(ops)
    return result


_ANY_WAITING = ("SELECT 1 FROM change_log WHERE scope = ? AND site_id = ? AND seq > "
                "coalesce((SELECT last_seq FROM sync_export_mark WHERE scope_kind = ?), 0) "
                "LIMIT 1")


def _kinds_waiting(ws: Workspace) -> set[str]:
    """The scope kinds with changes after their export mark: one small query each on one
    connection, so a sync with nothing to send costs next to nothing here."""
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        return {kind for kind in (NETWORK_KIND, ORGANISATION_KIND)
                if con.execute(_ANY_WAITING, (kind, ws.site_id, kind)).fetchone()}
    finally:
        raw.close()


def _values(rows: list[Any]) -> list[Any]:
    """The changes' values decoded from their JSON text with the decoder's scanner, which
    costs a quarter of a ``loads`` per change. A text the scanner does not take whole
    (whitespace around it, or not one JSON value) goes through ``loads``, which accepts it
    or raises as before."""
    out = []
    for t in rows:
        text_ = t[4]
        try:
            value, end = _SCAN(text_, 0)
        except StopIteration:
            end = -1
        out.append(value if end == len(text_) else loads(text_))
    return out


def _record(ws: Workspace, seq: int, data: bytes, prev_hash: str, scope: str, epoch: int,
            ops: int, install: str, kind: str, last_log_seq: int) -> None:
    """After the file is in place: the local "published" mark and the export mark."""
    with ws.db.write(ws.actor) as w:
        s = w.session
        s.add(SyncSegment(site_id=ws.site_id, seq=seq, hash=hashlib.sha256(data).hexdigest(),
                          prev_hash=prev_hash, scope=scope, epoch=epoch, size=len(data),
                          ops=ops, state="published", install=install, created_at=utcnow()))
        mark = s.get(SyncExportMark, kind) or SyncExportMark(scope_kind=kind)
        mark.last_seq = max(mark.last_seq, last_log_seq)
        s.add(mark)
        w.event("sync:export", entity="site", entity_id=ws.site_id,
                detail=f"seq={seq} ops={ops}")
