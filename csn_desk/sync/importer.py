"""Reading other sites' segments from the drop and merging them, one transaction each.

For each file whose name matches and whose (site, seq) is not yet recorded: read the header
(too short: not arrived yet), check the site against the roster, check the signature before
anything is decrypted, refuse clocks more than a day ahead, check the site's chain of
segments (a second version of a seq is equivocation), decrypt, check every change, then in
ONE transaction merge the changes through :mod:`csn_desk.store.remote`, record
(site, seq, hash), advance the clock and add an audit event. A file that fails any check is
recorded in ``sync_bad_file`` and never half-applied; the drop itself is never edited."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from csn_desk.ids import utcnow
from csn_desk.names import make_client_keys
from csn_desk.store import hlc
from csn_desk.store.models.sync import SyncBadFile, SyncMember, SyncNetwork, SyncSegment
from csn_desk.store.rawsql import execute, insert_sql, to_sql
from csn_desk.store.remote import (
    DELETED,
    OPS,
    BadChange,
    Deriver,
    RemoteChange,
    apply_changes,
    known_table,
    scope_of,
)
from csn_desk.sync import segment as seg
from csn_desk.sync.documents import NETWORK, org_scope
from csn_desk.sync.drop import SEG_RE, Drop, read_file
from csn_desk.sync.erasures import Erasures, follow_erasures
from csn_desk.sync.failpoints import crashpoint
from csn_desk.workspace import Workspace

Progress = Callable[[int, int], None]

DAY_MS = 24 * 3600 * 1000
NOT_ARRIVED, QUARANTINED, HELD = seg.NOT_ARRIVED, seg.QUARANTINED, seg.HELD
EQUIVOCATION = "equivocation"
FUTURE_CLOCK = "future_clock"
UNKNOWN_SITE = "unknown_site"
WAITING_KEY = "waiting_key"
FIELD_RE = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
ROW_RE = re.compile(r"^[0-9A-Za-z_.:-]{1,36}$")


def _client_keys(values: Any) -> dict[str, Any]:
    family, given = make_client_keys(values.get("given_name") or "",
                                     values.get("family_name") or "")
    return {"family_key": family, "given_key": given}


# The client's duplicate-check keys follow its merged names at every site.
DERIVERS = {"client": Deriver("client", ("family_key", "given_key"),
                              ("given_name", "family_name"), _client_keys)}


@dataclass
class ImportResult:
    segments: int = 0
    changes: int = 0
    conflicts: int = 0
    skipped: int = 0  # another organisation's segments: verified, not readable here
    not_arrived: int = 0
    quarantined: int = 0
    held: int = 0
    alerts: list[str] = field(default_factory=list)
    own_reimported: int = 0
    clone_seen: bool = False


@dataclass
class _Known:
    """What this site has recorded, read per poll as cheaply as possible: a poll that finds
    nothing new must stay fast with thousands of segments in the drop."""

    ws: Workspace
    bad: dict[tuple[str, int], dict[str, str]]  # (site, seq) -> {hash: kind}
    members: dict[str, SyncMember]
    recorded: dict[str, set[int]] = field(default_factory=dict)
    chain: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def has(self, site_id: str, seq: int) -> bool:
        return seq in self.recorded.get(site_id, ())

    def add(self, site_id: str, seq: int, digest: str, prev_hash: str) -> None:
        self.recorded.setdefault(site_id, set()).add(seq)
        self.chain[(site_id, seq)] = (digest, prev_hash)


# (database, site) -> (count, max seq, file names of the seqs recorded): reused while the
# count and the highest seq recorded are unchanged (one tiny query per site per poll).
_NAMES: dict[tuple[str, str], tuple[int, int, frozenset[str], frozenset[int]]] = {}


def _recorded_names(con: Any, db_key: str, site_id: str) -> tuple[frozenset[str],
                                                                  frozenset[int]]:
    count, top = con.execute("SELECT count(*), coalesce(max(seq), 0) FROM sync_segment "
                             "WHERE site_id = ?", (site_id,)).fetchone()
    cached = _NAMES.get((db_key, site_id))
    if cached is not None and cached[0] == count and cached[1] == top:
        return cached[2], cached[3]
    seqs = frozenset(r[0] for r in con.execute(
        "SELECT seq FROM sync_segment WHERE site_id = ?", (site_id,)))
    names = frozenset(f"{seq:012d}.seg" for seq in seqs)
    _NAMES[(db_key, site_id)] = (count, top, names, seqs)
    return names, seqs


def _load(ws: Workspace) -> _Known:
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        bad: dict[tuple[str, int], dict[str, str]] = {}
        for site_id, seq, digest, kind in con.execute(
                "SELECT site_id, seq, hash, kind FROM sync_bad_file"):
            bad.setdefault((site_id, seq), {})[digest] = kind
    finally:
        raw.close()
    with ws.db.read() as s:
        members = {m.site_id: m for m in s.execute(select(SyncMember)).scalars()}
    return _Known(ws, bad, members)


def _fresh(known: _Known, drop: Drop, site_id: str) -> list[tuple[int, str]]:
    """The segment files of a site that are not recorded here yet, in seq order."""
    folder = drop.base / "seg" / site_id
    present = drop.names(folder)
    raw = known.ws.db.engine.raw_connection()
    try:
        names, seqs = _recorded_names(raw.driver_connection, str(known.ws.db.paths.database),
                                      site_id)
    finally:
        raw.close()
    known.recorded[site_id] = set(seqs)
    if len(present) == len(names) and names.issuperset(present):
        return []
    new = drop.accept(folder, set(present) - names, SEG_RE)
    return sorted((seq, path) for seq, path in new.items() if seq not in seqs)


def _neighbours(ws: Workspace, known: _Known, site_id: str, seq: int
                ) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """(hash, prev_hash) recorded for seq - 1 and seq + 1 of a site, if any."""
    out = []
    for other in (seq - 1, seq + 1):
        key = (site_id, other)
        if key not in known.chain and known.has(site_id, other):
            with ws.db.read() as s:
                row = s.get(SyncSegment, (site_id, other))
            if row is not None:
                known.chain[key] = (row.hash, row.prev_hash)
        out.append(known.chain.get(key))
    return out[0], out[1]


def import_segments(ws: Workspace, drop: Drop, net: SyncNetwork,
                    scope_keys: dict[tuple[str, int], bytes], *, organisation_id: str,
                    progress: Progress | None = None,
                    now_ms: int | None = None) -> ImportResult:
    """Apply every new readable segment in the drop (``organisation_id``: this site's
    organisation as the roster says, which a joining site adopts only afterwards)."""
    result = ImportResult()
    known = _load(ws)
    candidates: list[tuple[str, int, Any]] = []
    for site_id in drop.site_dirs("seg"):
        member = known.members.get(site_id)
        fresh = _fresh(known, drop, site_id)
        if not fresh:
            continue
        if member is None:
            # Perhaps a site approved in a roster that has not reached this folder yet.
            for seq, _path in fresh:
                if not known.bad.get((site_id, seq)):
                    _bad(ws, site_id, seq, "", UNKNOWN_SITE,
                         "The file comes from a site that is not on this network's list of "
                         "sites (yet).")
                result.held += 1
            continue
        if member.paused_reason:
            result.held += len(fresh)
            continue
        candidates += [(site_id, seq, path) for seq, path in sorted(fresh)]
    scopes = (NETWORK, org_scope(organisation_id))
    now = int(time.time() * 1000) if now_ms is None else now_ms
    for count, (site_id, seq, path) in enumerate(candidates, start=1):
        member = known.members[site_id]
        if member.paused_reason:  # an equivocation found earlier in this run
            result.held += 1
            continue
        _one(ws, net, scope_keys, known, result, member, site_id, seq, path, scopes, now)
        if progress is not None:
            progress(count, len(candidates))
    return result


def _one(ws: Workspace, net: SyncNetwork, scope_keys: dict[tuple[str, int], bytes],
         known: _Known, result: ImportResult, member: SyncMember, site_id: str, seq: int,
         path: Any, scopes: tuple[str, str], now: int) -> None:
    data = read_file(path, seg.MAX_FILE)
    seen = known.bad.get((site_id, seq), {})
    if data is None:
        _count_not_arrived(ws, site_id, seq, seen, result)
        return
    digest = hashlib.sha256(data).hexdigest()
    if seen.get(digest) in (QUARANTINED, EQUIVOCATION, FUTURE_CLOCK):
        result.quarantined += 1  # already recorded: nothing new to say
        return
    try:
        header, end = seg.read_header(data)
        _check_header(header, net, member, site_id, seq, now)
        seg.verify(data, header, member.sign_key)
        _check_chain(*_neighbours(ws, known, site_id, seq), header.prev_hash, digest)
    except seg.SegmentProblem as problem:
        _problem(ws, known, result, site_id, seq, digest, seen, problem)
        return
    if header.scope not in scopes:
        _record_only(ws, header, digest, len(data), "skipped", member)
        known.add(site_id, seq, digest, header.prev_hash)
        result.skipped += 1
        return
    key = scope_keys.get((header.scope, header.epoch))
    if key is None:
        if WAITING_KEY not in seen.values():
            _bad(ws, site_id, seq, "", WAITING_KEY, "The key for this file has not arrived "
                 "from the other sites yet.")
        result.held += 1
        return
    try:
        ops = seg.decrypt(data, header, end, key)
        changes = _changes(ops, header)
        _apply(ws, header, digest, len(data), changes, member, result)
    except seg.SegmentProblem as problem:
        _problem(ws, known, result, site_id, seq, digest, seen, problem)
        return
    except (BadChange, sa_exc.IntegrityError):
        _problem(ws, known, result, site_id, seq, digest, seen, seg.SegmentProblem(
            QUARANTINED, "The file's changes cannot be applied as they are; nothing of it "
                         "was kept."))
        return
    known.add(site_id, seq, digest, header.prev_hash)
    if site_id == ws.site_id:
        result.own_reimported += 1
        _check_own_install(ws, known, seq, header.install, result)


def _count_not_arrived(ws: Workspace, site_id: str, seq: int, seen: dict[str, str],
                       result: ImportResult) -> None:
    if NOT_ARRIVED not in seen.values():
        _bad(ws, site_id, seq, "", NOT_ARRIVED, "The file has not finished arriving.")
    result.not_arrived += 1


def _problem(ws: Workspace, known: _Known, result: ImportResult, site_id: str, seq: int,
             digest: str, seen: dict[str, str], problem: seg.SegmentProblem) -> None:
    if problem.kind == NOT_ARRIVED:
        _count_not_arrived(ws, site_id, seq, seen, result)
        return
    if problem.kind == HELD:
        if HELD not in seen.values():
            _bad(ws, site_id, seq, "", HELD, problem.reason)
            result.alerts.append("Some changes come from a newer version of csn-desk; update "
                                 "this app to receive them.")
        result.held += 1
        return
    kind = problem.kind if problem.kind in (EQUIVOCATION, FUTURE_CLOCK) else QUARANTINED
    _bad(ws, site_id, seq, digest, kind, problem.reason)
    known.bad.setdefault((site_id, seq), {})[digest] = kind
    result.quarantined += 1
    if kind == EQUIVOCATION:
        _pause(ws, site_id, problem.reason)
        known.members[site_id].paused_reason = problem.reason
        result.alerts.append("A site has published two different versions of the same "
                             "changes; its changes are paused until an administrator "
                             "checks it.")
    else:
        result.alerts.append("A file in the shared folder was set aside as damaged or not "
                             "genuine; see the sync diagnostics.")


def _check_header(header: seg.Header, net: SyncNetwork, member: SyncMember, site_id: str,
                  seq: int, now: int) -> None:
    if header.site_id != site_id or header.seq != seq or header.network_id != net.network_id:
        raise seg.SegmentProblem(QUARANTINED, "The file's header does not match its place "
                                              "in the shared folder.")
    if member.status != "active" and (member.final_seq is None or seq > member.final_seq):
        raise seg.SegmentProblem(QUARANTINED, "The file was written by a site after it was "
                                              "removed from the network.")
    if header.scope != NETWORK and header.scope != org_scope(member.organisation_id):
        raise seg.SegmentProblem(QUARANTINED, "The file is for an organisation its site "
                                              "does not belong to.")
    wall, _counter = hlc.parse_hlc(header.hlc_max)
    if wall > now + DAY_MS:
        raise seg.SegmentProblem(FUTURE_CLOCK, "The file's clock is more than a day ahead of "
                                               "this computer's; check the date on both.")


def _check_chain(before: tuple[str, str] | None, after: tuple[str, str] | None,
                 prev_hash: str, digest: str) -> None:
    if (before is not None and before[0] != prev_hash) or (after is not None
                                                           and after[1] != digest):
        raise seg.SegmentProblem(EQUIVOCATION, "The site has published two different "
                                               "versions of its changes (a cloned install, "
                                               "a restored backup or a stolen key).")


def _changes(ops: list[Any], header: seg.Header) -> list[RemoteChange]:
    """Every change checked before any is applied: a bad one refuses the whole file. Each
    distinct table, field, row id, stamp and base is checked once (a segment repeats them)."""
    kind = "network" if header.scope == NETWORK else "organisation"
    site, low, high = header.site_id, header.hlc_min, header.hlc_max
    out: list[RemoteChange] = []
    append, change = out.append, RemoteChange
    names_ok: set[Any] = {DELETED}  # table and field names already checked
    tables_ok: set[Any] = set()
    rows_ok: set[Any] = set()
    stamps_ok: set[Any] = set()
    bases_ok: set[Any] = {(None, None)}
    try:
        for op in ops:
            if op.__class__ is not list or len(op) != 8:
                raise BadChange("change shape")
            table, row_id, name, value, stamp, base_hlc, base_site, verb = op
            if table not in tables_ok:
                check_table(table, kind)
                tables_ok.add(table)
            if name not in names_ok:
                if not (isinstance(name, str) and FIELD_RE.match(name)):
                    raise BadChange("change field")
                names_ok.add(name)
            if row_id not in rows_ok:
                if not (row_id.__class__ is str and ROW_RE.match(row_id)):
                    raise BadChange("change row")
                rows_ok.add(row_id)
            if stamp not in stamps_ok:
                if not (stamp.__class__ is str and seg.HLC_RE.match(stamp)
                        and low <= stamp <= high):
                    raise BadChange("change stamp")
                stamps_ok.add(stamp)
            if verb not in OPS:
                raise BadChange("change kind")
            if (base_hlc, base_site) not in bases_ok:
                if not (isinstance(base_hlc, str) and seg.HLC_RE.match(base_hlc)
                        and isinstance(base_site, str) and len(base_site) <= 36):
                    raise BadChange("change base")
                bases_ok.add((base_hlc, base_site))
            if name == DELETED and (verb != "delete" or value is not True):
                raise BadChange("delete")
            append(change(table, row_id, name, value, stamp, site, base_hlc, base_site, verb))
    except TypeError:  # a list or an object where an id, a name or a stamp belongs
        raise BadChange("change shape") from None
    return out


def check_table(table: Any, kind: str) -> None:
    """A table name from another site's file must be one that syncs, in this scope."""
    if not (isinstance(table, str) and FIELD_RE.match(table)):
        raise BadChange("change table")
    table_scope = scope_of(table)
    if table_scope is None and known_table(table):
        raise BadChange("a table that never syncs")
    if table_scope is not None and table_scope != kind:
        raise BadChange("a table of another scope")


def _apply(ws: Workspace, header: seg.Header, digest: str, size: int,
           changes: list[RemoteChange], member: SyncMember, result: ImportResult) -> None:
    with ws.db.write(ws.actor) as w:
        s = w.session
        stats = apply_changes(s, changes, derivers=DERIVERS)
        # The bookkeeping as plain statements in the same transaction: ORM objects here cost
        # more than a small segment's whole merge.
        _record_segment(s, header, digest, size, "applied")
        _heard(s, member.site_id, header.created_ms)
        execute(s, _CLEAR_WAITING, (header.site_id, header.seq))
        hlc.observe(s, ws.site_id, header.hlc_max)
        # (after the clock has seen the segment: any detail blanked again here is later)
        seen = Erasures()
        seen.see(changes)
        again = follow_erasures(w, seen, DERIVERS["client"])
        w.event("sync:import", entity="site", entity_id=header.site_id,
                detail=f"seq={header.seq} ops={header.ops} won={stats.won}"
                       + (f" blanked_again={again}" if again else ""))
        s.flush()
        crashpoint("import:applied-not-committed")
    crashpoint("import:committed")
    result.segments += 1
    result.changes += stats.won
    result.conflicts += stats.conflicts


_CLEAR_WAITING = ("DELETE FROM sync_bad_file WHERE site_id = ? AND seq = ? "
                  "AND kind IN ('not_arrived', 'waiting_key', 'held', 'unknown_site')")
_RECORD = insert_sql("sync_segment", ("site_id", "seq", "hash", "prev_hash", "scope", "epoch",
                                      "size", "ops", "state", "install", "created_at",
                                      "recorded_at"))
_HEARD = ("UPDATE sync_member SET last_heard_at = ? WHERE site_id = ? "
          "AND (last_heard_at IS NULL OR last_heard_at < ?)")


def _record_segment(s: Session, header: seg.Header, digest: str, size: int,
                    state_: str) -> None:
    """(site, seq, hash) recorded, in the caller's transaction (a second record of the same
    (site, seq) fails the primary key with an IntegrityError: nothing is applied twice)."""
    execute(s, _RECORD, (header.site_id, header.seq, digest, header.prev_hash, header.scope,
                         header.epoch, size, header.ops, state_, header.install,
                         to_sql(_ms_to_dt(header.created_ms)), to_sql(utcnow())))


def _ms_to_dt(ms: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)


def _heard(s: Session, site_id: str, created_ms: int) -> None:
    """The author's clock when it wrote the segment, if later than what we had heard (the
    stored text sorts as the time does)."""
    at = to_sql(_ms_to_dt(created_ms))
    execute(s, _HEARD, (at, site_id, at))


def _record_only(ws: Workspace, header: seg.Header, digest: str, size: int, state_: str,
                 member: SyncMember) -> None:
    with ws.db.write(ws.actor) as w:
        _record_segment(w.session, header, digest, size, state_)
        _heard(w.session, member.site_id, header.created_ms)


def _bad(ws: Workspace, site_id: str, seq: int, digest: str, kind: str, reason: str) -> None:
    now = utcnow()
    with ws.db.write(ws.actor) as w:
        s = w.session
        row = s.execute(select(SyncBadFile).where(
            col(SyncBadFile.site_id) == site_id, col(SyncBadFile.seq) == seq,
            col(SyncBadFile.hash) == digest)).scalars().first()
        if row is None:
            row = SyncBadFile(site_id=site_id, seq=seq, hash=digest, kind=kind, reason=reason,
                              first_seen=now, last_seen=now)
        else:
            row.kind, row.reason, row.last_seen = kind, reason, now
        s.add(row)
        if kind in (QUARANTINED, EQUIVOCATION, FUTURE_CLOCK):
            w.event("sync:quarantine", entity="site", entity_id=site_id,
                    detail=f"seq={seq} kind={kind}")


def _pause(ws: Workspace, site_id: str, reason: str) -> None:
    with ws.db.write(ws.actor) as w:
        if site_id == ws.site_id:
            net = w.session.execute(select(SyncNetwork)).scalars().first()
            if net is not None:
                net.paused_reason = reason
                w.session.add(net)
            return
        member = w.session.get(SyncMember, site_id)
        if member is not None:
            member.paused_reason = reason
            w.session.add(member)


def _check_own_install(ws: Workspace, known: _Known, seq: int, install: str,
                       result: ImportResult) -> None:
    """One of our own segments we had no record of (a restore, or a crash before the
    record). Written by another installation *after* one of ours: a clone."""
    from csn_desk.sync.state import install_tag

    mine = install_tag(ws)
    if install == mine:
        return
    with ws.db.read() as s:
        ours_before = s.execute(select(SyncSegment.seq).where(
            col(SyncSegment.site_id) == ws.site_id, col(SyncSegment.state) == "published",
            col(SyncSegment.install) == mine, col(SyncSegment.seq) < seq).limit(1)).first()
    del known
    if ours_before is not None:
        reason = ("Another computer is publishing as this site: this copy may be a clone of "
                  "another install.")
        _pause(ws, ws.site_id, reason)
        result.clone_seen = True
        result.alerts.append(reason)
