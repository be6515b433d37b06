"""Catching up from a checkpoint: what a checkpoint holds, finding the ones in the drop, and
applying them to a site that is new or was away longer than the drop kept segments.

Why merging a checkpoint is exact: every piece of replicated state is a function of the set
of writes a site has seen. Cells are last-writer-wins registers (the greater (hlc, site)
wins); the conflict log is the writes that lost and that no write seen was based on; the
"covered" set is those bases. So a checkpoint carries each cell's winner, the covers and
the conflict log, and merging it (covers and conflicts as sets, cells through the normal
merge) gives the state of the union of both sites' writes: the same as applying every
segment. Later segments then apply as usual; the ones the checkpoint covers are no-ops.

What a checkpoint covers is per origin site and per scope, but a site's seq numbers run
across both its scopes. So a site catches up from a network checkpoint (for every origin)
and one of its own organisation (for origins of that organisation), and takes as done, per
origin, the lower of the frontiers that apply: every seq up to it is in one of them or of
another organisation (which this site never reads)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlmodel import Session, select

from csn_desk.ids import utcnow
from csn_desk.store import hlc
from csn_desk.store.models.sync import SyncMember, SyncNetwork
from csn_desk.store.rawsql import driver, to_sql
from csn_desk.store.remote import (
    CONFLICT_SQL,
    COVER_SQL,
    DELETED,
    IS_COVERED_SQL,
    UNCONFLICT_SQL,
    BadChange,
    RemoteChange,
    apply_changes,
    scope_of,
    stored_to_python,
    synced_tables,
)
from csn_desk.store.writes import to_json_value
from csn_desk.sync import checkpoint as ck
from csn_desk.sync import segment as seg
from csn_desk.sync.acks import frontier
from csn_desk.sync.documents import NETWORK, org_scope
from csn_desk.sync.drop import CKPT_RE, SEG_RE, SITE_RE, Drop, read_file
from csn_desk.sync.erasures import Erasures, follow_erasures
from csn_desk.sync.importer import DAY_MS, DERIVERS, FIELD_RE, ROW_RE, Progress, check_table
from csn_desk.workspace import Workspace

CATCH_UP_TEXT = ("This site caught up from a checkpoint (a full copy of the shared records) "
                 "because changes it needed were no longer in the shared folder.")
BATCH = 20_000  # cells merged per call (one transaction in all)
_CHUNK = 400


def kind_of(scope: str) -> str:
    return "network" if scope == NETWORK else "organisation"


# -- what a checkpoint holds -----------------------------------------------------------------
def _derived() -> set[tuple[str, str]]:
    return {(d.table, o) for d in DERIVERS.values() for o in d.outputs}


def state_records(con: Any, scope: str) -> Iterator[list[Any]]:
    """This site's replicated state of one scope as checkpoint records: covers first, then
    every cell (parents' tables first), the conflict log and changes kept for a newer
    version. ``con`` is the database connection of a read transaction (one snapshot)."""
    kind = kind_of(scope)
    tables = [info for name, info in synced_tables().items() if scope_of(name) == kind]
    derived = _derived()
    for info in tables:
        for r in con.execute(
                "SELECT row_id, field, hlc, site_id FROM sync_covered WHERE table_name = ? "
                "UNION SELECT row_id, field, base_hlc, base_site FROM change_log "
                "WHERE table_name = ? AND base_hlc IS NOT NULL AND base_site IS NOT NULL "
                "AND field != ? ORDER BY 1, 2, 3, 4", (info.name, info.name, DELETED)):
            yield ["v", info.name, r[0], r[1], r[2], r[3]]
    for info in tables:
        yield from _cells(con, info, derived)
    for info in tables:
        for r in con.execute(
                "SELECT row_id, field, hlc, site_id, value_json FROM sync_conflict "
                "WHERE table_name = ? ORDER BY row_id, field, hlc, site_id", (info.name,)):
            yield ["x", info.name, r[0], r[1], r[2], r[3], json.loads(r[4])]
    names = [info.name for info in tables]
    for r in con.execute("SELECT table_name, row_id, field, value_json, hlc, site_id, "
                         "base_hlc, base_site, op FROM sync_pending_op ORDER BY id"):
        if r[0] in names:
            yield ["p", r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8]]


def _cells(con: Any, info: Any, derived: set[tuple[str, str]]) -> Iterator[list[Any]]:
    clocks = con.execute("SELECT row_id, field, hlc, site_id FROM cell_clock "
                         "WHERE table_name = ? ORDER BY row_id, field", (info.name,))
    group: list[tuple[str, str, str, str]] = []
    rows_in_group: set[str] = set()
    for r in clocks:
        if r[0] not in rows_in_group and len(rows_in_group) >= _CHUNK:
            yield from _emit(con, info, group, derived)
            group, rows_in_group = [], set()
        group.append((r[0], r[1], r[2], r[3]))
        rows_in_group.add(r[0])
    if group:
        yield from _emit(con, info, group, derived)


def _emit(con: Any, info: Any, group: list[tuple[str, str, str, str]],
          derived: set[tuple[str, str]]) -> Iterator[list[Any]]:
    ids = sorted({g[0] for g in group})
    marks = ", ".join("?" for _ in ids)
    names = ", ".join(f'"{c}"' for c in info.order)
    live: dict[str, dict[str, Any]] = {}
    for found in con.execute(f'SELECT {names} FROM "{info.name}" WHERE id IN ({marks})', ids):
        live[found[0]] = {c: to_json_value(stored_to_python(info.columns[c], v))
                          for c, v in zip(info.order, found, strict=True) if c != "id"}
    shadow: dict[str, dict[str, Any]] = {}
    for r, f, v in con.execute("SELECT row_id, field, value_json FROM sync_shadow WHERE "
                               f"table_name = ? AND row_id IN ({marks})", (info.name, *ids)):
        shadow.setdefault(r, {})[f] = json.loads(v)
    for row_id, name, stamp, site in group:
        if (info.name, name) in derived:
            continue
        if name == DELETED:
            value: Any = True
        elif name not in info.columns:
            continue  # not a column of this version: it travels as a kept change
        else:
            values = live.get(row_id)
            if values is None:
                values = shadow.get(row_id, {})
            value = values.get(name)
        yield ["c", info.name, row_id, name, value, stamp, site]


# -- finding checkpoints in the drop ----------------------------------------------------------
@dataclass(frozen=True)
class Found:
    site_id: str
    n: int
    path: str
    header: ck.Header | None
    problem: ck.SegmentProblem | None


# (path, size, mtime) -> header or problem: a poll reads each checkpoint's header once.
_HEADERS: dict[tuple[str, int, int], tuple[ck.Header | None, ck.SegmentProblem | None]] = {}
# (path, size, mtime) -> sha256 of a file whose signature was checked here.
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _stat_key(path: str) -> tuple[str, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_size, st.st_mtime_ns)


def scan(drop: Drop) -> list[Found]:
    """Every checkpoint file in the drop whose name matches, with its header (or why it
    cannot be read). Only the first bytes of each file are read."""
    out = []
    for site, n, path in listing(drop):
        key = _stat_key(path)
        if key is None:
            continue
        got = _HEADERS.get(key)
        if got is None:
            data = read_file(path, ck.MAX_HEADER + seg.PREFIX.size)
            if data is None:
                continue
            try:
                got = (ck.read_header(data)[0], None)
            except ck.SegmentProblem as problem:
                got = (None, problem)
            if got[1] is None or got[1].kind != ck.NOT_ARRIVED:
                _HEADERS[key] = got
        out.append(Found(site, n, path, got[0], got[1]))
    return out


def listing(drop: Drop) -> list[tuple[str, int, str]]:
    """(site, n, path) of the checkpoint files whose names match. Other names are left
    alone and not counted here: the round lists the folder several times."""
    root = drop.base / "ckpt"
    out = []
    for site in drop.names(root):
        if not SITE_RE.match(site):
            continue
        for name in drop.names(root / site):
            m = CKPT_RE.match(name)
            if m:
                out.append((site, int(m.group(1)), os.path.join(root, site, name)))
    return sorted(out)


def own_segments(drop: Drop, site_id: str) -> dict[int, str]:
    """This site's segment files (seq -> path), without counting other names as ignored."""
    folder = drop.base / "seg" / site_id
    out = {}
    for name in drop.names(folder):
        m = SEG_RE.match(name)
        if m:
            out[int(m.group(1))] = os.path.join(folder, name)
    return out


def genuine(found: Found, network_id: str, member: SyncMember | None) -> bool:
    """Header consistent with its place, written by an active member for a scope it is in."""
    h = found.header
    return (h is not None and member is not None and member.status == "active"
            and h.site_id == found.site_id and h.n == found.n and h.network_id == network_id
            and (h.scope == NETWORK or h.scope == org_scope(member.organisation_id)))


def load(found: Found, sign_key: str) -> tuple[bytes, ck.Header, int, str]:
    """The whole file, read and its signature checked (SegmentProblem if not)."""
    data = read_file(found.path, ck.MAX_FILE)
    if data is None:
        raise ck.SegmentProblem(ck.NOT_ARRIVED, "The checkpoint cannot be read yet.")
    header, end = ck.read_header(data)
    ck.check_length(data, header)
    ck.verify(data, sign_key)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    key = _stat_key(found.path)
    if key is not None:
        _VERIFIED[key] = digest
    return data, header, end, digest


def signature_ok(found: Found, sign_key: str) -> bool:
    """Is the file genuine (signature checked once per file per process)?"""
    key = _stat_key(found.path)
    if key is not None and key in _VERIFIED:
        return True
    try:
        load(found, sign_key)
    except ck.SegmentProblem:
        return False
    return True


def bad_checkpoints(s: Session) -> set[tuple[str, int]]:
    """(site, n) of checkpoints set aside here (kept in sync_bad_file with seq = -n)."""
    return {(site, -int(seq)) for site, seq in s.execute(select_bad()).all()}


def select_bad() -> Any:
    from sqlmodel import col

    from csn_desk.store.models.sync import SyncBadFile

    return select(SyncBadFile.site_id, SyncBadFile.seq).where(col(SyncBadFile.seq) < 0)


# -- choosing ---------------------------------------------------------------------------------
def _rank(h: ck.Header, have: dict[str, int], absent: set[str]) -> tuple[int, ...]:
    """Prefer the checkpoint that gets this site past the most missing segments, then the
    most advanced, then the newest."""
    ahead = sum(1 for o in absent if h.frontier.get(o, (0, "", ""))[0] > have.get(o, 0))
    return (ahead, sum(e[0] for e in h.frontier.values()), h.created_ms, h.n)


def choose(found: list[Found], net: SyncNetwork, members: dict[str, SyncMember],
           keys: dict[tuple[str, int], bytes], organisation_id: str,
           excluded: set[tuple[str, int]], have: dict[str, int] | None = None,
           absent: set[str] | None = None) -> dict[str, Found]:
    """The best usable checkpoint of each scope this site reads."""
    have, absent = have or {}, absent or set()
    best: dict[str, tuple[tuple[int, ...], Found]] = {}
    wanted = (NETWORK, org_scope(organisation_id))
    for f in found:
        h = f.header
        if (h is None or (f.site_id, f.n) in excluded
                or not genuine(f, net.network_id, members.get(f.site_id))
                or h.scope not in wanted or (h.scope, h.epoch) not in keys):
            continue
        rank = _rank(h, have, absent)
        current = best.get(h.scope)
        if current is None or rank > current[0]:
            best[h.scope] = (rank, f)
    return {scope: f for scope, (_rank_, f) in best.items()}


def floor_of(chosen: dict[str, ck.Header], members: dict[str, SyncMember],
             organisation_id: str) -> dict[str, tuple[int, str, str]]:
    """Per origin, the seq up to which the chosen checkpoints hold everything this site
    reads: the network one for every origin; for origins of this site's organisation also
    its organisation's, the lower of the two."""
    net_c = chosen.get(NETWORK)
    if net_c is None:
        return {}
    org_c = chosen.get(org_scope(organisation_id))
    out = {}
    for origin, entry in net_c.frontier.items():
        member = members.get(origin)
        if member is None:
            continue
        if member.organisation_id == organisation_id:
            other = org_c.frontier.get(origin) if org_c is not None else None
            if other is None:
                continue
            out[origin] = min(entry, other, key=lambda e: e[0])
        else:
            out[origin] = entry
    return out


# -- applying ---------------------------------------------------------------------------------
@dataclass
class CatchUp:
    checkpoints: list[tuple[str, int]] = field(default_factory=list)  # (site, n)
    records: int = 0
    changes: int = 0
    quarantined: int = 0
    alerts: list[str] = field(default_factory=list)




def _check(rec: list[Any], kind: str, hlc_max: str) -> None:
    """A record that cannot be right refuses the whole checkpoint."""
    table, row_id, name = rec[1], rec[2], rec[3]
    stamp, site = (rec[4], rec[5]) if rec[0] in ("v", "x") else (rec[5], rec[6])
    check_table(table, kind)
    if not (isinstance(row_id, str) and ROW_RE.match(row_id)):
        raise BadChange("record row")
    if not (isinstance(name, str) and (name == DELETED or FIELD_RE.match(name))):
        raise BadChange("record field")
    if not (isinstance(stamp, str) and seg.HLC_RE.match(stamp) and stamp <= hlc_max):
        raise BadChange("record stamp")
    if not (isinstance(site, str) and seg.ID_RE.match(site)):
        raise BadChange("record site")
    if rec[0] == "c" and name == DELETED and rec[4] is not True:
        raise BadChange("delete")
    if rec[0] == "p":
        base_hlc, base_site, op = rec[7], rec[8], rec[9]
        if (base_hlc is None) != (base_site is None) or op not in ("insert", "update",
                                                                   "delete"):
            raise BadChange("record base")
        if base_hlc is not None and not (isinstance(base_hlc, str) and seg.HLC_RE.match(
                base_hlc) and isinstance(base_site, str) and len(base_site) <= 36):
            raise BadChange("record base")


def apply_records(session: Session, recs: Iterable[list[Any]], header: ck.Header,
                  own_site: str, tick: Callable[[int], None] | None = None,
                  erased: Erasures | None = None) -> tuple[int, int]:
    """Merge one checkpoint's records in the caller's transaction: (records, changes won).
    Raises BadChange or SegmentProblem (and the caller rolls back) at anything wrong.
    ``erased`` gathers what the cells say about erasures (to be followed afterwards)."""
    con = driver(session)
    kind = kind_of(header.scope)
    now = to_sql(utcnow())
    cells: list[RemoteChange] = []
    covers: list[tuple[str, str, str, str, str]] = []
    count = won = 0

    def flush() -> None:
        nonlocal won
        if covers:
            con.executemany(COVER_SQL, covers)
            con.executemany(UNCONFLICT_SQL, covers)
            covers.clear()
        if cells:
            won += apply_changes(session, cells, derivers=DERIVERS).won
            if erased is not None:
                erased.see(cells, detail=False)
            cells.clear()

    for rec in recs:
        _check(rec, kind, header.hlc_max)
        count += 1
        what = rec[0]
        if what == "v":
            covers.append((rec[1], rec[2], rec[3], rec[4], rec[5]))
            if len(covers) >= BATCH:
                flush()
        elif what == "c":
            cells.append(RemoteChange(rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], None,
                                      None, "delete" if rec[3] == DELETED else "update"))
            if len(cells) >= BATCH:
                flush()
                if tick is not None:
                    tick(count)
        elif what == "p":
            cells.append(RemoteChange(rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7],
                                      rec[8], rec[9]))
        else:  # "x": a conflict-log entry, unless a write seen here was based on it
            flush()
            t, r, f, h, s, value = rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]
            if con.execute(IS_COVERED_SQL, (t, r, f, h, s, r, t, f, h, s)).fetchone() is None:
                con.execute(CONFLICT_SQL, (t, r, f, h, s, json.dumps(
                    value, separators=(",", ":"), ensure_ascii=False), now))
    flush()
    if tick is not None:
        tick(count)
    if header.hlc_max:
        hlc.observe(session, own_site, header.hlc_max)
    return count, won


def mark_covered(session: Session, floor: dict[str, tuple[int, str, str]], own_site: str,
                 own_present: set[int], scope: str, epoch: int) -> int:
    """Record every seq up to the floor as done (state "checkpoint"), so the importer skips
    them and the frontier (and so this site's ack) moves past the segments deleted from the
    drop. The floor's own segment keeps its real hash, so the origin's chain continues.
    This site's own files still in the drop are left to be re-imported as usual."""
    con = driver(session)
    now = to_sql(utcnow())
    added = 0
    for origin, (top, digest, prev) in floor.items():
        have = {int(r[0]) for r in con.execute(
            "SELECT seq FROM sync_segment WHERE site_id = ? AND seq <= ?", (origin, top))}
        rows = []
        for seq in range(1, top + 1):
            if seq in have or (origin == own_site and seq in own_present):
                continue
            real = seq == top
            rows.append((origin, seq, digest if real else "", prev if real else "", scope,
                         epoch, 0, 0, "checkpoint", "", None, now))
        con.executemany(
            "INSERT OR IGNORE INTO sync_segment (site_id, seq, hash, prev_hash, scope, epoch, "
            "size, ops, state, install, created_at, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("DELETE FROM sync_bad_file WHERE site_id = ? AND seq BETWEEN 1 AND ? "
                    "AND kind IN ('not_arrived', 'waiting_key', 'held', 'unknown_site')",
                    (origin, top))
        added += len(rows)
    return added


def _quarantine(ws: Workspace, found: Found, digest: str, problem: ck.SegmentProblem) -> None:
    """Set a checkpoint aside (never deleted from the drop): a sync_bad_file row with
    seq = -n, so it cannot be mistaken for a segment of the same site."""
    from sqlmodel import col

    from csn_desk.store.models.sync import SyncBadFile

    kind = problem.kind if problem.kind in (ck.QUARANTINED, "future_clock") else ck.QUARANTINED
    now = utcnow()
    with ws.db.write(ws.actor) as w:
        s = w.session
        row = s.execute(select(SyncBadFile).where(
            col(SyncBadFile.site_id) == found.site_id, col(SyncBadFile.seq) == -found.n,
            col(SyncBadFile.hash) == digest)).scalars().first()
        if row is None:
            row = SyncBadFile(site_id=found.site_id, seq=-found.n, hash=digest, kind=kind,
                              reason=f"Checkpoint {found.n}: {problem.reason}",
                              first_seen=now, last_seen=now)
        else:
            row.last_seen = now
        s.add(row)
        w.event("sync:quarantine", entity="site", entity_id=found.site_id,
                detail=f"checkpoint={found.n} kind={kind}")


def catch_up(ws: Workspace, drop: Drop, net: SyncNetwork, keys: dict[tuple[str, int], bytes],
             organisation_id: str, progress: Progress | None = None, *,
             force: bool = False, now_ms: int | None = None) -> CatchUp | None:
    """If this site needs it, merge the best checkpoints in the drop, all in one
    transaction, and mark what they cover as done. None when there was nothing to do.

    Needed when the site is new (has applied nothing from other sites) or when the next
    segment it needs from some site is no longer in the drop, and the checkpoints cover it.
    ``force`` merges them anyway (tests; an administrator's "catch up now"). A checkpoint
    that fails a check is set aside and the next best is tried."""
    import time

    result = CatchUp()
    found_all = scan(drop)
    if not found_all:
        return None
    now = int(time.time() * 1000) if now_ms is None else now_ms
    excluded: set[tuple[str, int]] = set()
    for _attempt in range(8):
        with ws.db.read() as s:
            members = {m.site_id: m for m in s.execute(select(SyncMember)).scalars()}
            excluded |= bad_checkpoints(s)
            have = frontier(s)
            from_others = s.execute(select_any_other(ws.site_id)).first() is not None
        absent = {o for o in members
                  if not os.path.exists(drop.seg_path(o, have.get(o, 0) + 1))}
        chosen = choose(found_all, net, members, keys, organisation_id, excluded, have,
                        absent)
        if NETWORK not in chosen:
            break
        headers = {sc: f.header for sc, f in chosen.items() if f.header is not None}
        floor = floor_of(headers, members, organisation_id)
        gain = {o: e for o, e in floor.items() if e[0] > have.get(o, 0)}
        if not force and not _needed(gain, absent, from_others):
            break
        loaded = _load_all(ws, chosen, members, now, excluded, result)
        if loaded is None:
            continue
        if _apply_all(ws, drop, loaded, floor, keys, progress, excluded, result):
            result.checkpoints = [(f.site_id, f.n) for f, *_ in loaded.values()]
            result.alerts.append(CATCH_UP_TEXT)
            return result
    return result if result.quarantined else None


Loaded = tuple[Found, bytes, ck.Header, int, str]


def _load_all(ws: Workspace, chosen: dict[str, Found], members: dict[str, SyncMember],
              now: int, excluded: set[tuple[str, int]],
              result: CatchUp) -> dict[str, Loaded] | None:
    """Read and check the signature of each chosen checkpoint; None (the failed one
    excluded, set aside if damaged) if any fails."""
    loaded: dict[str, Loaded] = {}
    for sc, f in chosen.items():
        try:
            data, header, end, digest = load(f, members[f.site_id].sign_key)
            wall = hlc.parse_hlc(header.hlc_max)[0] if header.hlc_max else 0
            if wall > now + DAY_MS:
                raise ck.SegmentProblem("future_clock", "The checkpoint's clock is more than "
                                                        "a day ahead of this computer's.")
        except ck.SegmentProblem as problem:
            excluded.add((f.site_id, f.n))
            if problem.kind not in (ck.NOT_ARRIVED, ck.HELD):
                _quarantine(ws, f, "", problem)
                result.quarantined += 1
            return None
        loaded[sc] = (f, data, header, end, digest)
    return loaded


def _apply_all(ws: Workspace, drop: Drop, loaded: dict[str, Loaded],
               floor: dict[str, tuple[int, str, str]], keys: dict[tuple[str, int], bytes],
               progress: Progress | None, excluded: set[tuple[str, int]],
               result: CatchUp) -> bool:
    """Every loaded checkpoint merged and the floor marked, in ONE transaction: all or
    nothing. False (the culprit excluded and set aside) if a checkpoint's contents fail."""
    total = sum(v[2].records for v in loaded.values())
    culprit: Loaded | None = None
    records = changes = 0
    erased = Erasures()
    try:
        with ws.db.write(ws.actor) as w:
            for sc in sorted(loaded, key=lambda x: x != NETWORK):  # the network's first
                culprit = loaded[sc]
                _f, data, header, end, _digest = culprit
                base = records

                def tick(n: int, base: int = base) -> None:
                    if progress is not None:
                        progress(base + n, total)

                count, won = apply_records(
                    w.session, ck.records(data, header, end, keys[(header.scope,
                                                                   header.epoch)]),
                    header, ws.site_id, tick, erased)
                records += count
                changes += won
            culprit = None
            net_header = loaded[NETWORK][2]
            mark_covered(w.session, floor, ws.site_id, set(own_segments(drop, ws.site_id)),
                         net_header.scope, net_header.epoch)
            for f, _data, header, _end, _digest in loaded.values():
                _heard(w.session, f.site_id, header.created_ms)
            # (an erasure made elsewhere, followed in what this site wrote itself)
            follow_erasures(w, erased, DERIVERS["client"])
            w.event("sync:import", entity="site", entity_id=ws.site_id,
                    detail="checkpoint " + " ".join(f"{f.site_id}/{f.n}"
                                                    for f, *_ in loaded.values()))
    except (ck.SegmentProblem, BadChange, sa_exc.IntegrityError) as exc:
        if culprit is None:
            raise
        problem = exc if isinstance(exc, ck.SegmentProblem) else ck.SegmentProblem(
            ck.QUARANTINED, "The checkpoint's contents cannot be applied as they are; "
                            "nothing of it was kept.")
        excluded.add((culprit[0].site_id, culprit[0].n))
        _quarantine(ws, culprit[0], culprit[4], problem)
        result.quarantined += 1
        return False
    result.records += records
    result.changes += changes
    return True


def select_any_other(own_site: str) -> Any:
    from sqlmodel import col

    from csn_desk.store.models.sync import SyncSegment

    return select(SyncSegment.seq).where(col(SyncSegment.site_id) != own_site).limit(1)


def _needed(gain: dict[str, tuple[int, str, str]], absent: set[str],
            from_others: bool) -> bool:
    if not gain:
        return False
    if not from_others:
        return True  # a new site: a checkpoint is far quicker than every segment
    return any(o in absent for o in gain)


def _heard(s: Session, site_id: str, created_ms: int) -> None:
    from datetime import UTC, datetime

    member = s.get(SyncMember, site_id)
    if member is None:
        return
    at = datetime.fromtimestamp(created_ms / 1000, UTC)
    last = member.last_heard_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if last is None or at > last:
        member.last_heard_at = at
        s.add(member)
