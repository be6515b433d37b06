"""What the app and ``csn-desk sync`` call: one sync round, the status-bar summary, the
conflicts view (with restore) and the diagnostics view. Plain functions over a Workspace,
returning frozen dataclasses; safe to run on a background thread (each opens its own units
of work) and never two at once for one data folder (a file lock)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from csn_desk.accounts import ORGANISATION_ID
from csn_desk.errors import CsnError
from csn_desk.ids import utcnow
from csn_desk.names import make_client_keys
from csn_desk.protection.roles import permission, require
from csn_desk.store import hlc
from csn_desk.store.models import NETWORK as NETWORK_KIND
from csn_desk.store.models import ORGANISATION as ORGANISATION_KIND
from csn_desk.store.models import SYNCED, LocalSetting, Organisation, Site
from csn_desk.store.models.sync import (
    SyncBadFile,
    SyncConflict,
    SyncMember,
    SyncNetwork,
    SyncSegment,
    SyncShadowRow,
)
from csn_desk.store.remote import cell_state, is_referenced, replay_pending, synced_tables
from csn_desk.sync import state
from csn_desk.sync.acks import publish_ack, read_acks, stable_frontier
from csn_desk.sync.catchup import CATCH_UP_TEXT, catch_up
from csn_desk.sync.compaction import (
    compact,
    forget_old_conflicts,
    note_drop_state,
    read_drop_state,
    write_checkpoints,
)
from csn_desk.sync.crypto import BadDocument, Identity
from csn_desk.sync.documents import NETWORK, Roster, key_bytes, read_key, scope_tag
from csn_desk.sync.drop import Drop, read_file
from csn_desk.sync.errors import (
    ConflictNotFound,
    DemoNeverSyncs,
    NotInNetwork,
    PublishCollision,
    SyncError,
)
from csn_desk.sync.export import (
    CLONE_REASON,
    check_own_segments,
    count_waiting,
    export_changes,
)
from csn_desk.sync.importer import DERIVERS, Progress, import_segments
from csn_desk.sync.lock import sync_lock
from csn_desk.sync.network import JOINED, REQUESTED, check_drop, refresh_roster
from csn_desk.workspace import Workspace

NOT_SET_UP, WAITING, ACTIVE, REMOVED = "not_set_up", "waiting_for_approval", "active", "removed"
REPORT_NOT_ARRIVED_AFTER = timedelta(days=3)
CAUGHT_UP_SHOWN = timedelta(days=7)  # how long the status keeps saying so
# Who may see and restore conflicts: resources/permissions.json (the one permission table).
CONFLICT_ROLES = tuple(sorted(permission("sync.conflicts.view").roles))
RESTORE_ROLES = tuple(sorted(permission("sync.conflicts.restore").roles))


@dataclass(frozen=True)
class SyncReport:
    state: str  # waiting_for_approval / active / removed
    imported_segments: int = 0
    applied_changes: int = 0
    new_conflicts: int = 0
    exported_segments: int = 0
    exported_changes: int = 0
    not_arrived: int = 0
    quarantined: int = 0
    held: int = 0
    skipped: int = 0
    ignored_names: int = 0
    alerts: tuple[str, ...] = ()
    duration_ms: float = 0.0
    caught_up: bool = False  # started again from checkpoints (changes it needed were gone)
    checkpoints_written: int = 0
    segments_deleted: int = 0  # this site's own, no longer needed by anyone


@dataclass(frozen=True)
class SiteHeard:
    site_id: str
    name: str
    organisation_id: str
    status: str  # active / removed / paused
    last_heard_at: datetime | None
    is_self: bool


@dataclass(frozen=True)
class SyncStatus:
    state: str  # not_set_up / waiting_for_approval / active / removed
    network_name: str
    drop_dir: str
    last_sync_at: datetime | None
    last_error: str | None
    changes_waiting: int
    sites: tuple[SiteHeard, ...]
    problems: int  # files set aside, held, or not arrived for days: see diagnostics
    alerts: tuple[str, ...]
    # What is in the shared folder, as counted at the end of the last round.
    segments_in_drop: int = 0
    checkpoints_in_drop: int = 0
    last_checkpoint_at: datetime | None = None  # this site's newest checkpoint
    segments_deleted: int = 0  # this site's own segments deleted as no longer needed
    caught_up_at: datetime | None = None  # last time this site caught up from a checkpoint


# -- one round --------------------------------------------------------------------------------
def sync_once(ws: Workspace, progress: Progress | None = None, *,
              drop: Drop | None = None) -> SyncReport:
    """Import what is new in the drop, then publish this site's changes. Raises a SyncError
    (one plain sentence) when the drop cannot be used; the reason is kept for the status."""
    if ws.demo:
        raise DemoNeverSyncs()
    started = time.perf_counter()
    with sync_lock(Path(ws.db.paths.root)):
        try:
            report = _round(ws, progress, drop)
        except SyncError as exc:
            _finish(ws, str(exc))
            raise
        _finish(ws, None)
    return _with_duration(report, started)


def _with_duration(report: SyncReport, started: float) -> SyncReport:
    from dataclasses import replace

    return replace(report, duration_ms=(time.perf_counter() - started) * 1000)


def _finish(ws: Workspace, error: str | None) -> None:
    with ws.db.write(ws.actor) as w:
        net = state.network(w.session)
        if net is not None:
            net.last_error = error
            if error is None:
                net.last_sync_at = utcnow()
            w.session.add(net)


# The drop's file counts for the status are taken again after a round that moved anything,
# otherwise at most every RECOUNT_S: listing every folder again costs more than the rest of
# a round that finds nothing new (thousands of segments on a slow share).
RECOUNT_S = 600.0
_COUNTED: dict[tuple[str, str], float] = {}  # (site, drop folder) -> when, this process


def _round(ws: Workspace, progress: Progress | None, drop: Drop | None) -> SyncReport:
    alerts: list[str] = []
    with ws.db.write(ws.actor) as w:
        s = w.session
        net = state.network(s)
        if net is None:
            raise NotInNetwork()
        drop = drop or Drop(Path(net.drop_dir))
        drop.ignored.clear()
        doc = check_drop(drop, net)
        refresh_roster(s, drop, doc, net)
        ident = state.identity(s, ws.site_id)
        assert ident is not None
        roster = state.roster(s, net)
        me = roster.member(ws.site_id) if roster else None
        if roster is None or me is None or me.sign_key != ident.sign_public:
            return SyncReport(WAITING)
        if not me.active:
            return SyncReport(REMOVED, alerts=("This site has been removed from the network; "
                                               "it no longer syncs.",))
        if net.state == REQUESTED:
            net.state, net.joined_at = JOINED, utcnow()
            s.add(net)
        _refresh_keys(s, drop, net, ident, roster, me.organisation_id)
        keys = state.scope_keys(s)
        replay_pending(s, derivers=DERIVERS)
        paused = net.paused_reason
    assert roster is not None
    caught = catch_up(ws, drop, net, keys, me.organisation_id, progress)
    if caught is not None:
        alerts += caught.alerts
        if caught.quarantined:
            alerts.append("A checkpoint in the shared folder was set aside as damaged or not "
                          "genuine; see the sync diagnostics.")
    imported = import_segments(ws, drop, net, keys, organisation_id=me.organisation_id,
                               progress=progress)
    alerts += imported.alerts
    if me.organisation_id != ws.organisation_id and not _rehome(ws, me.organisation_id):
        alerts.append("Waiting for this site's organisation to arrive from the network.")
    _distribute_keys(ws, drop, net, ident, roster, keys)
    exported_segments = exported_changes = 0
    tidy = False
    with ws.db.read() as s:
        current = state.network(s)
        paused = current.paused_reason if current else paused
    if paused:
        alerts.append(paused)
    elif me.organisation_id == ws.organisation_id:
        try:
            check_own_segments(ws, drop)
            exported = export_changes(ws, drop, net, ident, keys)
        except PublishCollision:
            _pause_self(ws)
            alerts.append(CLONE_REASON)
        else:
            exported_segments, exported_changes = exported.segments, exported.changes
            alerts += exported.alerts or []
            tidy = True
    read_acks(ws, drop, net, roster)
    with ws.db.read() as s:
        fresh = state.network(s)
    written: list[int] = []
    deleted: list[int] = []
    if fresh is not None and not fresh.paused_reason:
        publish_ack(ws, drop, fresh, ident)
        if tidy:
            written = write_checkpoints(ws, drop, fresh, ident, keys)
            deleted = compact(ws, drop, fresh)
            forget_old_conflicts(ws)
    caught_up = bool(caught and caught.checkpoints)
    moved = imported.segments or exported_segments or written or deleted or caught_up
    counted_key = (ws.site_id, str(drop.root))
    if moved or time.monotonic() - _COUNTED.get(counted_key, -RECOUNT_S) >= RECOUNT_S:
        note_drop_state(ws, drop, deleted=len(deleted), caught_up=caught_up)
        _COUNTED[counted_key] = time.monotonic()
    return SyncReport(ACTIVE, imported.segments, imported.changes, imported.conflicts,
                      exported_segments, exported_changes, imported.not_arrived,
                      imported.quarantined + (caught.quarantined if caught else 0),
                      imported.held, imported.skipped, len(drop.ignored),
                      tuple(dict.fromkeys(alerts)),
                      caught_up=caught_up,
                      checkpoints_written=len(written), segments_deleted=len(deleted))


def _pause_self(ws: Workspace) -> None:
    with ws.db.write(ws.actor) as w:
        net = state.network(w.session)
        if net is not None:
            net.paused_reason = CLONE_REASON
            w.session.add(net)


def _refresh_keys(s: Session, drop: Drop, net: SyncNetwork, ident: Identity, roster: Roster,
                  organisation_id: str) -> int:
    """Take the scope keys addressed to this site that it does not hold yet."""
    held = state.scope_keys(s)
    found = 0
    for epoch in drop.key_epochs():
        if epoch > roster.epoch:
            continue
        for scope in state.our_scopes(organisation_id):
            if (scope, epoch) in held:
                continue
            data = read_file(drop.key_path(epoch, scope_tag(scope), ident.site_id), 1 << 20)
            if data is None:
                continue
            try:
                key = read_key(data, network_id=net.network_id, epoch=epoch, scope=scope,
                               identity=ident, roster=roster)
            except BadDocument:
                continue
            state.store_key(s, scope, epoch, key)
            found += 1
    return found


def _distribute_keys(ws: Workspace, drop: Drop, net: SyncNetwork, ident: Identity,
                     roster: Roster, keys: dict[tuple[str, int], bytes]) -> int:
    """Pass this site's scope keys (every epoch it holds) to active members of those scopes
    that do not have them yet: how a new site of an organisation gets its records' keys."""
    written = 0
    members = [m for m in roster.active() if m.site_id != ws.site_id]
    for (scope, epoch), key in sorted(keys.items()):
        if epoch > roster.epoch:
            continue
        for m in members:
            if scope not in (NETWORK, f"organisation:{m.organisation_id}"):
                continue
            path = drop.key_path(epoch, scope_tag(scope), m.site_id)
            if path.exists():
                continue
            try:
                drop.publish(path, key_bytes(ident, net.network_id, epoch, scope, m, key),
                             tag=ws.site_id)
                written += 1
            except (PublishCollision, SyncError):
                continue
    return written


def _rehome(ws: Workspace, organisation_id: str) -> bool:
    """A newly approved site takes the organisation the administrator chose: its site row
    and setting move over, and the organisation it was set up with goes if nothing uses it."""
    with ws.db.write(ws.actor) as w:
        s = w.session
        org = s.get(Organisation, organisation_id)
        site = s.get(Site, ws.site_id)
        if org is None or site is None:
            return False
        old_id = ws.organisation_id
        w.update(site, organisation_id=organisation_id)
        setting = s.get(LocalSetting, ORGANISATION_ID)
        if setting is not None:
            setting.value = organisation_id
            s.add(setting)
        s.flush()
        old = s.get(Organisation, old_id)
        if old is not None and not is_referenced(s, "organisation", old_id):
            w.delete(old)
        w.event("sync:rehome", entity="site", entity_id=ws.site_id)
        name = org.name
    ws.organisation_id, ws.organisation_name = organisation_id, name
    return True


def drop_reachable(ws: Workspace) -> bool:
    """Cheap (no database write, one file check): can the shared folder be seen now? For
    the app's timer, to sync as soon as a drive or USB stick comes back."""
    with ws.db.read() as s:
        net = state.network(s)
    return net is not None and Drop(Path(net.drop_dir)).network_file.is_file()


def folder_reachable(drop_dir: str) -> bool:
    """As ``drop_reachable`` for a folder already known, with no database at all: for a
    thread that must not wait on the database (a network drive can take seconds to answer)."""
    return bool(drop_dir) and Drop(Path(drop_dir)).network_file.is_file()


# -- status -----------------------------------------------------------------------------------
def sync_status(ws: Workspace) -> SyncStatus:
    """For the status bar: last sync, changes waiting to go out, each site last heard from."""
    with ws.db.read() as s:
        net = state.network(s)
        if net is None:
            return SyncStatus(NOT_SET_UP, "", "", None, None, 0, (), 0, ())
        members = list(s.execute(select(SyncMember).order_by(col(SyncMember.name))).scalars())
        waiting = (count_waiting(s, ws.site_id, NETWORK_KIND)
                   + count_waiting(s, ws.site_id, ORGANISATION_KIND))
        problems = _problem_count(s)
        dropped = read_drop_state(s)
    me = next((m for m in members if m.site_id == ws.site_id), None)
    status = WAITING if me is None else ACTIVE if me.status == "active" else REMOVED
    alerts = []
    if net.paused_reason:
        alerts.append(net.paused_reason)
    sites = []
    for m in members:
        shown = "paused" if m.paused_reason else m.status
        if m.paused_reason:
            alerts.append(f"Changes from {m.name} are paused: {m.paused_reason}")
        sites.append(SiteHeard(m.site_id, m.name, m.organisation_id, shown, m.last_heard_at,
                               m.site_id == ws.site_id))
    if dropped.caught_up_at is not None and utcnow() - _utc(dropped.caught_up_at) < CAUGHT_UP_SHOWN:
        alerts.append(CATCH_UP_TEXT)
    return SyncStatus(status, net.name, net.drop_dir, net.last_sync_at, net.last_error, waiting,
                      tuple(sites), problems, tuple(alerts), dropped.segments,
                      dropped.checkpoints, dropped.last_checkpoint_at, dropped.deleted,
                      dropped.caught_up_at)


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _problem_count(s: Session) -> int:
    old = utcnow() - REPORT_NOT_ARRIVED_AFTER
    count = 0
    for row in s.execute(select(SyncBadFile)).scalars():
        first = row.first_seen if row.first_seen.tzinfo else row.first_seen.replace(tzinfo=UTC)
        if row.kind not in ("not_arrived", "waiting_key", "unknown_site") or first < old:
            count += 1
    return count


# -- conflicts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConflictEntry:
    """A value that lost to another site's concurrent edit, beside the value kept."""

    id: int
    table: str
    row_id: str
    field: str
    kept_value: Any
    kept_site: str
    kept_at: datetime | None
    lost_value: Any
    lost_site: str
    lost_at: datetime
    recorded_at: datetime
    restorable: bool


def _hlc_time(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    wall, _ = hlc.parse_hlc(stamp)
    return datetime.fromtimestamp(wall / 1000, UTC)


def _require(ws: Workspace, action: str) -> None:
    require(ws, action, "Only a coordinator or an administrator can see and restore "
            "conflicts.")


def list_conflicts(ws: Workspace, limit: int = 500) -> list[ConflictEntry]:
    """The conflict log, newest first, leaving out losers whose value is what was kept."""
    _require(ws, "sync.conflicts.view")
    with ws.db.read() as s:
        names = {m.site_id: m.name for m in s.execute(select(SyncMember)).scalars()}
        rows = s.execute(select(SyncConflict).order_by(col(SyncConflict.hlc).desc(),
                                                       col(SyncConflict.id).desc())).scalars()
        out = []
        for c in rows:
            cell = cell_state(s, c.table_name, c.row_id, c.field)
            lost = json.loads(c.value_json)
            if not cell.exists or cell.value == lost:
                continue
            lost_at = _hlc_time(c.hlc)
            assert lost_at is not None
            out.append(ConflictEntry(int(c.id or 0), c.table_name, c.row_id, c.field,
                                     cell.value, names.get(cell.site_id or "", ""),
                                     _hlc_time(cell.hlc), lost, names.get(c.site_id, ""),
                                     lost_at, c.recorded_at, cell.live))
            if len(out) >= limit:
                break
    return out


def restore_conflict(ws: Workspace, conflict_id: int) -> None:
    """Put the losing value back: a new edit here, which then wins everywhere."""
    _require(ws, "sync.conflicts.restore")
    models = {str(m.__tablename__): m for m in SYNCED}
    with ws.db.write(ws.actor) as w:
        s = w.session
        c = s.get(SyncConflict, conflict_id)
        if c is None or c.table_name not in models:
            raise ConflictNotFound()
        obj = s.get(models[c.table_name], c.row_id)
        info = synced_tables()[c.table_name]
        if obj is None or c.field not in info.columns:
            raise ConflictNotFound()
        from csn_desk.store.remote import json_to_python

        value = json_to_python(info.columns[c.field], json.loads(c.value_json))
        changes: dict[str, Any] = {c.field: value}
        if c.table_name == "client" and c.field in ("given_name", "family_name"):
            names = {"given_name": obj.given_name, "family_name": obj.family_name,  # type: ignore[attr-defined]
                     c.field: value}
            changes["family_key"], changes["given_key"] = make_client_keys(
                names["given_name"], names["family_name"])
        w.update(obj, **changes)
        w.event("sync:restore_conflict", entity=c.table_name, entity_id=c.row_id,
                detail=c.field)


# -- diagnostics ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BadFileInfo:
    site_id: str
    site_name: str
    seq: int
    kind: str  # not_arrived / quarantined / equivocation / future_clock / held / ...
    reason: str
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class Diagnostics:
    bad_files: tuple[BadFileInfo, ...]
    ignored_names: tuple[str, ...]  # files in the shared folder that are not ours
    paused: tuple[tuple[str, str], ...]  # (site name, reason); "this site" for our own
    segments_published: int
    segments_applied: int
    segments_skipped: int  # other organisations' (verified, not readable here)
    rows_waiting: int  # rows waiting for their parent or insert to arrive
    drop_reachable: bool
    # (site name, seq): each site's changes up to seq are applied at every active site
    stable: tuple[tuple[str, int], ...] = ()


def diagnostics(ws: Workspace) -> Diagnostics:
    with ws.db.read() as s:
        net = state.network(s)
        names = {m.site_id: m.name for m in s.execute(select(SyncMember)).scalars()}
        bad = tuple(BadFileInfo(b.site_id, names.get(b.site_id, ""), b.seq, b.kind, b.reason,
                                b.first_seen, b.last_seen)
                    for b in s.execute(select(SyncBadFile).order_by(
                        col(SyncBadFile.site_id), col(SyncBadFile.seq))).scalars())
        counts = {st: 0 for st in ("published", "applied", "skipped")}
        for st in s.execute(select(SyncSegment.state)).scalars():
            counts[st] = counts.get(st, 0) + 1
        waiting = len(list(s.execute(select(SyncShadowRow.row_id).where(
            col(SyncShadowRow.dead).is_(False))).scalars()))
        paused = [(m.name, m.paused_reason) for m in s.execute(select(SyncMember)).scalars()
                  if m.paused_reason]
        stable = tuple((names.get(site, site), seq)
                       for site, seq in stable_frontier(s, ws.site_id).items())
    if net is not None and net.paused_reason:
        paused.insert(0, ("this site", net.paused_reason))
    ignored: list[str] = []
    reachable = False
    if net is not None:
        drop = Drop(Path(net.drop_dir))
        reachable = drop.root.is_dir()
        if reachable:
            for site in drop.site_dirs("seg"):
                drop.segments(site)
            drop.rosters()
            drop.join_requests()
            ignored = list(drop.ignored)
    return Diagnostics(bad, tuple(ignored[:200]), tuple((n, str(r)) for n, r in paused),
                       counts["published"], counts["applied"], counts["skipped"], waiting,
                       reachable, stable)


def resume_site(ws: Workspace, site_id: str) -> None:
    """After an administrator has looked into an equivocation (or a clone): take that
    site's changes (or publish ours) again."""
    require(ws, "network.manage", "Only an administrator can resume a paused site.")
    with ws.db.write(ws.actor) as w:
        if site_id == ws.site_id:
            net = state.network(w.session)
            if net is not None:
                net.paused_reason = None
                w.session.add(net)
        else:
            member = w.session.get(SyncMember, site_id)
            if member is not None:
                member.paused_reason = None
                w.session.add(member)
        w.event("sync:resume", entity="site", entity_id=site_id)


ProgressCallback = Callable[[int, int], None]
__all__ = ["BadFileInfo", "ConflictEntry", "CsnError", "Diagnostics", "ProgressCallback",
           "SiteHeard", "SyncReport", "SyncStatus", "diagnostics", "drop_reachable",
           "folder_reachable",
           "list_conflicts",
           "restore_conflict", "resume_site", "sync_once", "sync_status"]
