"""Sync bookkeeping: the change log, per-cell clocks and the hybrid logical clock.

Every write through the one write path adds a change-log row per changed field, stamped with
an HLC timestamp and the site id; sync exports change-log rows and merges per cell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from csn_desk.ids import utcnow


class ChangeLog(SQLModel, table=True):
    __tablename__ = "change_log"
    seq: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)  # network / organisation / local
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36, index=True)
    field: str = Field(max_length=48)
    value_json: str
    hlc: str = Field(max_length=32)  # "<wall ms:013d>-<counter:06d>" sorts as text
    site_id: str = Field(max_length=36)
    op: str = Field(max_length=8)  # insert / update / delete
    # The (hlc, site) of the cell's winning write when this one was made (what it overwrote,
    # knowingly), filled by a trigger (migration 0007); sync uses it to tell a concurrent
    # write (a conflict) from a later edit.
    base_hlc: str | None = Field(default=None, max_length=32)
    base_site: str | None = Field(default=None, max_length=36)


class CellClock(SQLModel, table=True):
    """The winning (HLC, site) of each synced cell; merge compares against it. Kept WITHOUT
    ROWID (migration 0009): one B-tree by the key, not a table and an index of the key."""

    __tablename__ = "cell_clock"
    __table_args__ = {"sqlite_with_rowid": False}
    table_name: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=36)
    field: str = Field(primary_key=True, max_length=48)
    hlc: str = Field(max_length=32)
    site_id: str = Field(max_length=36)


class HlcState(SQLModel, table=True):
    """The last HLC issued at this site, persisted so clocks never run backwards."""

    __tablename__ = "hlc_state"
    site_id: str = Field(primary_key=True, max_length=36)
    wall_ms: int = 0
    counter: int = 0


# -- file-drop sync (issue 5; migration 0007) ------------------------------------------------
# Local bookkeeping only: none of these tables is in SYNCED. Keys live here, inside the
# encrypted database (and so inside its encrypted backups), never in plain files.


class SyncIdentity(SQLModel, table=True):
    """This site's private keys: Ed25519 (signing) and X25519 (receiving wrapped keys)."""

    __tablename__ = "sync_identity"
    site_id: str = Field(primary_key=True, max_length=36)
    sign_private: str  # base64 of the raw 32-byte key
    kx_private: str
    created_at: datetime = Field(default_factory=utcnow)


class SyncNetwork(SQLModel, table=True):
    """The network this copy belongs to (at most one row) and where its shared folder is."""

    __tablename__ = "sync_network"
    network_id: str = Field(primary_key=True, max_length=64)
    name: str
    drop_dir: str
    founder_key: str  # base64 Ed25519 public key of the founding administrator
    state: str = Field(max_length=16)  # requested / joined
    roster_version: int = 0
    roster_hash: str = ""
    epoch: int = 0
    joined_at: datetime | None = None
    last_sync_at: datetime | None = None
    last_error: str | None = None
    paused_reason: str | None = None  # our own publishing stopped (a cloned install)
    ack_n: int = 0  # the number of our latest ack file
    ack_json: str = ""  # the frontier it said: {site: highest seq applied without gaps}
    ack_at: datetime | None = None


class SyncMember(SQLModel, table=True):
    """The roster as last verified here: every enrolled site and its public keys."""

    __tablename__ = "sync_member"
    site_id: str = Field(primary_key=True, max_length=36)
    name: str
    organisation_id: str = Field(max_length=36)
    sign_key: str
    kx_key: str
    admin: bool = False
    status: str = Field(default="active", max_length=16)  # active / removed
    final_seq: int | None = None  # a removed site: its last segment still accepted
    last_heard_at: datetime | None = None
    paused_reason: str | None = None  # equivocation seen: its stream is not imported
    ack_n: int = 0  # its latest ack read here, and what it said
    acked_json: str = ""


class SyncScopeKey(SQLModel, table=True):
    """Data keys of the scopes this site belongs to, one per key epoch."""

    __tablename__ = "sync_scope_key"
    scope: str = Field(primary_key=True, max_length=64)  # network / organisation:<id>
    epoch: int = Field(primary_key=True)
    key: str  # base64 of 32 random bytes


class SyncSegment(SQLModel, table=True):
    """Every segment this site published, applied or saw and could not read (another
    organisation's): (site, seq, hash) so nothing is applied twice and forks show."""

    __tablename__ = "sync_segment"
    site_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True)
    hash: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    scope: str = Field(max_length=64)
    epoch: int
    size: int
    ops: int
    state: str = Field(max_length=16)  # published / applied / skipped
    install: str = Field(default="", max_length=32)
    created_at: datetime | None = None  # the author's clock when it was written
    recorded_at: datetime = Field(default_factory=utcnow)


class SyncExportMark(SQLModel, table=True):
    """The last change-log seq published, per scope kind (network / organisation)."""

    __tablename__ = "sync_export_mark"
    scope_kind: str = Field(primary_key=True, max_length=16)
    last_seq: int = 0


class SyncBadFile(SQLModel, table=True):
    """A segment file that could not be applied (yet), and why. Files are never deleted from
    the shared folder; this is the local record the diagnostics view shows."""

    __tablename__ = "sync_bad_file"
    __table_args__ = (UniqueConstraint("site_id", "seq", "hash", name="uq_sync_bad_file"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: str = Field(max_length=36)
    seq: int
    hash: str = Field(default="", max_length=64)  # "" for a file not arrived yet
    kind: str = Field(max_length=16)  # not_arrived / quarantined / equivocation / held ...
    reason: str
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class SyncShadowRow(SQLModel, table=True):
    """A synced row that is not in its table: deleted (``dead``), or waiting for its insert or
    for a parent row to arrive. Its values are kept so a later edit can revive it."""

    __tablename__ = "sync_shadow_row"
    __table_args__ = (Index("ix_sync_shadow_row_pending", "table_name", "dead"),)
    table_name: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=36)
    dead: bool = False


class SyncShadow(SQLModel, table=True):
    """The cell values of shadow rows (canonical JSON)."""

    __tablename__ = "sync_shadow"
    table_name: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=36)
    field: str = Field(primary_key=True, max_length=48)
    value_json: str


class SyncCovered(SQLModel, table=True):
    """Writes that a later write was based on (it saw them): never conflict losers."""

    __tablename__ = "sync_covered"
    table_name: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=36)
    field: str = Field(primary_key=True, max_length=48)
    hlc: str = Field(primary_key=True, max_length=32)
    site_id: str = Field(primary_key=True, max_length=36)


class SyncConflict(SQLModel, table=True):
    """The conflict log: a value that lost to a concurrent write (no later write was based on
    it). The same at every site that has seen the same changes; shown to coordinators."""

    __tablename__ = "sync_conflict"
    __table_args__ = (UniqueConstraint("table_name", "row_id", "field", "hlc", "site_id",
                                       name="uq_sync_conflict"),)
    id: int | None = Field(default=None, primary_key=True)
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36, index=True)
    field: str = Field(max_length=48)
    hlc: str = Field(max_length=32)
    site_id: str = Field(max_length=36)
    value_json: str
    recorded_at: datetime = Field(default_factory=utcnow)


class SyncPendingOp(SQLModel, table=True):
    """A change for a table or field this version does not have (written by a newer
    version): kept, and applied after an upgrade brings the column."""

    __tablename__ = "sync_pending_op"
    id: int | None = Field(default=None, primary_key=True)
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36)
    field: str = Field(max_length=48)
    value_json: str
    hlc: str = Field(max_length=32)
    site_id: str = Field(max_length=36)
    base_hlc: str | None = Field(default=None, max_length=32)
    base_site: str | None = Field(default=None, max_length=36)
    op: str = Field(max_length=8)
