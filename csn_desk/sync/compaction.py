"""Keeping the drop small: each site now and then writes a checkpoint of each scope it holds
the key of, and deletes its *own* segments that are no longer needed.

A segment may go once (1) every active site has acked it (a site not heard from for
``stale_after`` no longer holds it back: when it comes back it catches up from a checkpoint),
(2) a genuine checkpoint of the segment's scope in the drop covers it, and (3) it is not the
author's newest (a site restored from an older backup continues after the newest seq it
finds in the drop, so that one must stay). Nobody deletes another site's files; removed
sites do not hold anything back. Each site keeps its newest ``keep`` checkpoints per scope.

The facts the status shows (files in the drop, last checkpoint, segments deleted) are kept
in a local setting at the end of each round, so the status bar never reads the drop."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from csn_desk.ids import utcnow
from csn_desk.store import hlc, migrate
from csn_desk.store.models import NETWORK as NETWORK_KIND
from csn_desk.store.models import ORGANISATION as ORGANISATION_KIND
from csn_desk.store.models import LocalSetting
from csn_desk.store.models.sync import SyncMember, SyncNetwork, SyncSegment
from csn_desk.store.rawsql import driver
from csn_desk.store.remote import known_table
from csn_desk.sync import checkpoint as ck
from csn_desk.sync.acks import compaction_frontier, frontier
from csn_desk.sync.catchup import genuine, listing, own_segments, scan, signature_ok, state_records
from csn_desk.sync.crypto import Identity
from csn_desk.sync.documents import NETWORK, org_scope
from csn_desk.sync.drop import Drop
from csn_desk.sync.errors import SyncError
from csn_desk.sync.export import count_waiting
from csn_desk.workspace import Workspace

DROP_STATE_KEY = "sync.drop_state"  # LocalSetting: JSON, see DropState


@dataclass(frozen=True)
class Policy:
    every_segments: int = 200  # own segments not yet in a checkpoint before writing one
    every: timedelta = timedelta(days=1)  # ... or the oldest of them this old
    keep: int = 2  # own checkpoints kept per scope
    stale_after: timedelta = timedelta(days=90)  # a site silent this long holds nothing back
    conflicts_kept: timedelta = timedelta(days=365)  # conflict-log entries older are forgotten


POLICY = Policy()


# -- writing checkpoints ----------------------------------------------------------------------
def _own_checkpoints(drop: Drop, site_id: str) -> list[ck.Header]:
    return [f.header for f in scan(drop) if f.site_id == site_id and f.header is not None
            and f.header.site_id == site_id and f.header.n == f.n]


def _covered_own(headers: list[ck.Header], site_id: str, scopes: tuple[str, ...]) -> int:
    """Our own seq that every scope's newest own checkpoint covers (0: none yet)."""
    tops = []
    for scope in scopes:
        tops.append(max((h.frontier.get(site_id, (0, "", ""))[0] for h in headers
                         if h.scope == scope), default=0))
    return min(tops) if tops else 0


def _due(ws: Workspace, drop: Drop, scopes: tuple[str, ...], policy: Policy) -> bool:
    headers = _own_checkpoints(drop, ws.site_id)
    covered = _covered_own(headers, ws.site_id, scopes)
    with ws.db.read() as s:
        rows = s.execute(select(SyncSegment.seq, SyncSegment.created_at).where(
            col(SyncSegment.site_id) == ws.site_id, col(SyncSegment.state) == "published",
            col(SyncSegment.seq) > covered)).all()
    if not rows:
        return False
    if len(rows) >= policy.every_segments:
        return True
    oldest = min((r[1] for r in rows if r[1] is not None), default=None)
    if oldest is None:
        return False
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return utcnow() - oldest >= policy.every


def _frontier_entries(s: Any) -> dict[str, tuple[int, str, str]]:
    out = {}
    for origin, top in frontier(s).items():
        row = s.get(SyncSegment, (origin, top))
        if row is not None and len(row.hash) == 64:
            out[origin] = (top, row.hash, row.prev_hash)
    return out


def write_checkpoints(ws: Workspace, drop: Drop, net: SyncNetwork, ident: Identity,
                      keys: dict[tuple[str, int], bytes], *, force: bool = False,
                      policy: Policy | None = None) -> list[int]:
    """Write a checkpoint of each scope this site holds the current key of, when due: the
    numbers written. Never while changes made here wait to go out (a checkpoint holds only
    what the segments say) or while changes of an unknown table are kept (their scope is
    not known, so no checkpoint could hold them)."""
    policy = policy or POLICY
    if net.paused_reason:
        return []
    scopes = tuple(sc for sc in (NETWORK, org_scope(ws.organisation_id))
                   if (sc, net.epoch) in keys)
    if not scopes or not (force or _due(ws, drop, scopes, policy)):
        return []
    written: list[int] = []
    with ws.db.read() as s:  # one snapshot for both scopes and the frontier
        if (count_waiting(s, ws.site_id, NETWORK_KIND)
                or count_waiting(s, ws.site_id, ORGANISATION_KIND)):
            return []
        con = driver(s)
        pending = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM sync_pending_op")}
        if any(not known_table(t) for t in pending):
            return []
        front = _frontier_entries(s)
        schema = migrate.head_revision()
        n = max((n for site, n, _path in listing(drop) if site == ws.site_id), default=0)
        built = []
        for scope in scopes:
            n += 1
            built.append((n, ck.build(
                network_id=net.network_id, identity=ident, n=n, scope=scope, epoch=net.epoch,
                schema=schema, frontier=front, records=state_records(con, scope),
                scope_key=keys[(scope, net.epoch)], created_ms=int(time.time() * 1000),
                salt=secrets.token_bytes(32))))
    for n, data in built:
        try:
            drop.publish(drop.ckpt_path(ws.site_id, n), data, tag=f"{ws.site_id}-ckpt")
        except SyncError:
            break  # a busy folder or a clone: try at a later round
        written.append(n)
    if written:
        prune_checkpoints(ws, drop, policy)
    return written


def prune_checkpoints(ws: Workspace, drop: Drop, policy: Policy | None = None) -> int:
    """Delete this site's own checkpoints beyond the newest ``keep`` of each scope."""
    policy = policy or POLICY
    by_scope: dict[str, list[int]] = {}
    for f in scan(drop):
        if f.site_id == ws.site_id and f.header is not None and f.header.n == f.n:
            by_scope.setdefault(f.header.scope, []).append(f.n)
    removed = 0
    for numbers in by_scope.values():
        for n in sorted(numbers)[:-policy.keep]:
            with contextlib.suppress(OSError):
                os.unlink(drop.ckpt_path(ws.site_id, n))
                removed += 1
    return removed


# -- deleting own segments --------------------------------------------------------------------
def coverage(ws: Workspace, drop: Drop, net: SyncNetwork) -> dict[str, int]:
    """Per scope, our highest seq some genuine checkpoint in the drop holds."""
    with ws.db.read() as s:
        members = {m.site_id: m for m in s.execute(select(SyncMember)).scalars()}
    cover: dict[str, int] = {}
    for f in scan(drop):
        member = members.get(f.site_id)
        if f.header is None or member is None or not genuine(f, net.network_id, member):
            continue
        entry = f.header.frontier.get(ws.site_id)
        if entry is None or entry[0] <= cover.get(f.header.scope, 0):
            continue
        if signature_ok(f, member.sign_key):
            cover[f.header.scope] = entry[0]
    return cover


def compact(ws: Workspace, drop: Drop, net: SyncNetwork, *, policy: Policy | None = None,
            now: datetime | None = None) -> list[int]:
    """Delete this site's own segments that every active site has and a checkpoint covers
    (never the newest): the seqs deleted."""
    policy = policy or POLICY
    if net.paused_reason:
        return []
    present = own_segments(drop, ws.site_id)
    if len(present) <= 1:
        return []
    newest = max(present)
    with ws.db.read() as s:
        stable = compaction_frontier(s, ws.site_id, now or utcnow(),
                                     policy.stale_after).get(ws.site_id, 0)
        candidates = [seq for seq in present if seq <= stable and seq != newest]
        if not candidates:
            return []
        scopes = dict(s.execute(select(SyncSegment.seq, SyncSegment.scope).where(
            col(SyncSegment.site_id) == ws.site_id,
            col(SyncSegment.state) != "checkpoint")).all())
    cover = coverage(ws, drop, net)
    deleted = []
    for seq in sorted(candidates):
        scope = scopes.get(seq)
        if scope is None or seq > cover.get(scope, 0):
            continue
        try:
            os.unlink(present[seq])
        except FileNotFoundError:
            pass
        except OSError:
            continue  # held open by a reader or the cloud client: next time
        deleted.append(seq)
    return deleted


def forget_old_conflicts(ws: Workspace, *, policy: Policy | None = None,
                         now: datetime | None = None) -> int:
    """Drop conflict-log entries whose losing write is older than ``conflicts_kept`` (the
    losing values may be a person's old details; a coordinator has had a year to look at
    them). Decided by the write's own clock, so every site forgets the same entries; one
    brought back by a checkpoint goes again at the next round. The number forgotten."""
    policy = policy or POLICY
    cutoff = hlc.format_hlc(int(((now or utcnow()) - policy.conflicts_kept).timestamp() * 1000),
                            0)
    with ws.db.read() as s:
        if driver(s).execute(_OLD_CONFLICT, (cutoff,)).fetchone() is None:
            return 0
    with ws.db.write(ws.actor) as w:
        gone = int(driver(w.session).execute(_FORGET_CONFLICTS, (cutoff,)).rowcount)
        w.event("sync:forget_conflicts", detail=f"entries={gone}")
    return gone


_OLD_CONFLICT = "SELECT 1 FROM sync_conflict WHERE hlc < ? LIMIT 1"
_FORGET_CONFLICTS = "DELETE FROM sync_conflict WHERE hlc < ?"


# -- what the status shows --------------------------------------------------------------------
@dataclass(frozen=True)
class DropState:
    segments: int = 0  # segment files in the drop, every site's
    own_segments: int = 0
    checkpoints: int = 0  # checkpoint files in the drop
    last_checkpoint_at: datetime | None = None  # this site's newest
    deleted: int = 0  # own segments deleted so far (compaction)
    caught_up_at: datetime | None = None  # when this site last caught up from checkpoints

    def to_json(self) -> str:
        return json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v)
                           for k, v in self.__dict__.items()}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DropState:
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict):
                return cls()
            out: dict[str, Any] = {}
            for name in cls.__dataclass_fields__:
                value = raw.get(name)
                if name.endswith("_at"):
                    out[name] = datetime.fromisoformat(value) if isinstance(value, str) else None
                else:
                    out[name] = int(value) if isinstance(value, int) else 0
            return cls(**out)
        except ValueError:
            return cls()


def read_drop_state(s: Any) -> DropState:
    setting = s.get(LocalSetting, DROP_STATE_KEY)
    return DropState() if setting is None else DropState.from_json(setting.value)


def note_drop_state(ws: Workspace, drop: Drop, *, deleted: int = 0,
                    caught_up: bool = False) -> DropState:
    """Count what is in the drop now and keep it for the status (written only if changed)."""
    segments = own = 0
    root = drop.base / "seg"
    for site in drop.names(root):
        count = sum(1 for name in drop.names(root / site) if name.endswith(".seg"))
        segments += count
        if site == ws.site_id:
            own = count
    found = scan(drop)
    mine = [f.header.created_ms for f in found
            if f.site_id == ws.site_id and f.header is not None]
    with ws.db.read() as s:
        old = read_drop_state(s)
    new = DropState(
        segments=segments, own_segments=own, checkpoints=len(found),
        last_checkpoint_at=(datetime.fromtimestamp(max(mine) / 1000, UTC) if mine
                            else old.last_checkpoint_at),
        deleted=old.deleted + deleted,
        caught_up_at=utcnow() if caught_up else old.caught_up_at)
    if new != old:
        with ws.db.write(ws.actor) as w:
            setting = w.session.get(LocalSetting, DROP_STATE_KEY) or LocalSetting(
                key=DROP_STATE_KEY, value="")
            setting.value = new.to_json()
            w.session.add(setting)
    return new
