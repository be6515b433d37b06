"""What the Sync window shows, gathered in one call on the database thread (no Qt): the
sites with their organisation and when each was last heard from, the conflicts (for those
allowed to see them), and the diagnostics with the paused sites an administrator can resume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from csn_desk.errors import CsnError
from csn_desk.sync.crypto import normalise_fingerprint
from csn_desk.sync.network import (
    JOINED,
    JoinRequestInfo,
    NetworkInfo,
    list_join_requests,
    network_info,
)
from csn_desk.sync.record_labels import record_labels
from csn_desk.sync.service import (
    CONFLICT_ROLES,
    RESTORE_ROLES,
    ConflictEntry,
    Diagnostics,
    SyncStatus,
    diagnostics,
    list_conflicts,
    sync_status,
)
from csn_desk.workspace import Workspace


@dataclass(frozen=True)
class SiteRow:
    site_id: str
    name: str
    organisation: str
    status: str  # active / removed / paused
    last_heard_at: datetime | None
    is_self: bool


@dataclass(frozen=True)
class PausedRow:
    site_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class SyncView:
    status: SyncStatus
    sites: tuple[SiteRow, ...]
    conflicts: tuple[ConflictEntry, ...] | None  # None: this user may not see them
    diagnostics: Diagnostics | None  # None: not in a network
    paused: tuple[PausedRow, ...]
    # Each conflict's record in words ('Service "Dial-a-Ride"'), by (table, row id).
    record_labels: dict[tuple[str, str], str] = field(default_factory=dict)


def can_see_conflicts(role: str) -> bool:
    return role in CONFLICT_ROLES


def can_restore_conflicts(role: str) -> bool:
    return role in RESTORE_ROLES


def can_resume_sites(role: str) -> bool:
    return role == "admin"


def load_view(ws: Workspace) -> SyncView:
    status = sync_status(ws)
    info = network_info(ws)
    organisations = {s.site_id: s.organisation_name for s in info.sites} if info else {}
    sites = tuple(SiteRow(s.site_id, s.name, organisations.get(s.site_id, ""), s.status,
                          s.last_heard_at, s.is_self) for s in status.sites)
    conflicts: tuple[ConflictEntry, ...] | None = None
    if can_see_conflicts(ws.user.role):
        conflicts = tuple(list_conflicts(ws)) if info is not None else ()
    diag = diagnostics(ws) if info is not None else None
    reasons = dict(diag.paused) if diag is not None else {}
    paused = [PausedRow(s.site_id, s.name, reasons.get(s.name, "")) for s in status.sites
              if s.status == "paused"]
    if "this site" in reasons:
        paused.insert(0, PausedRow(ws.site_id, "This site", reasons["this site"]))
    labels: dict[tuple[str, str], str] = {}
    if conflicts:
        with ws.db.read() as session:
            labels = record_labels(session, [(c.table, c.row_id) for c in conflicts])
    return SyncView(status, sites, conflicts, diag, tuple(paused), labels)



@dataclass(frozen=True)
class NetworkView:
    """What Admin > Network shows: the network (None when not in one), the requests to
    join waiting in the shared folder, and why they could not be read (if so)."""

    info: NetworkInfo | None
    requests: tuple[JoinRequestInfo, ...]
    problem: str = ""

    @property
    def organisations(self) -> tuple[str, ...]:
        """Member organisations' names (for approving a site into one)."""
        names = {s.organisation_name for s in self.info.sites} if self.info else set()
        return tuple(sorted(n for n in names if n))


def load_network_view(ws: Workspace) -> NetworkView:
    info = network_info(ws)
    if info is None or info.state != JOINED or not info.is_admin:
        return NetworkView(info, ())
    try:
        requests = tuple(list_join_requests(ws))
    except CsnError as exc:  # e.g. the shared folder is not reachable just now
        return NetworkView(info, (), str(exc))
    return NetworkView(info, requests)


def fingerprints_match(typed: str, expected: str) -> bool:
    """Whether what the administrator typed is the fingerprint (any case or spacing; O for
    0 and I or L for 1 are forgiven, as the service does)."""
    wanted = normalise_fingerprint(typed)
    return bool(wanted) and wanted == normalise_fingerprint(expected)
