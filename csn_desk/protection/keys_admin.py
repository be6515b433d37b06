"""Key operations for administrators: a new recovery key, and a full re-encryption of the
database under a new key after a suspected compromise (data-protection.md, "At rest").

A new recovery key reseals only the recovery slot: the database is untouched and the old
printed key stops working. A rekey holds the database alone (it is refused while another
program has it open: that program's writes during the copy would be lost), copies it, under a
new random key, into a new file with ``sqlcipher_export``, checks it (integrity and row
counts of every table), and only then swaps it in. The signed-in administrator's slot and a
new recovery slot are sealed with the new key; other users' slots cannot be rewrapped without
their passphrases, so they are removed and an administrator gives those users new
passphrases (``csn-desk users enable``). Their accounts stay. Audit entries carry no key
material and no usernames, only counts."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from csn_desk.errors import CsnError, DatabaseBusy, InvalidInput
from csn_desk.protection.roles import require
from csn_desk.store import keys as keys_module
from csn_desk.store.atomic import fsync_dir
from csn_desk.store.database import finish_interrupted_rekey, rekey_files
from csn_desk.store.engine import connect, make_engine
from csn_desk.store.keys import KdfParams, KeyFile, Slot, new_db_key, new_recovery_key
from csn_desk.workspace import Workspace

ACTION = "keys.manage"
_WAIT_FOR_OTHERS_MS = 2000  # how long a rekey waits for another program's work to finish


class DatabaseInUse(CsnError):
    def __init__(self) -> None:
        super().__init__("Another program has the data open (the command line, a backup, or "
                         "csn-desk signed in on another account of this computer). Close it, "
                         "then re-encrypt again.")


class RekeyFailed(CsnError):
    def __init__(self) -> None:
        super().__init__("The re-encrypted copy of the database did not check out, so nothing "
                         "was changed; the old key and passphrases still work.")


@dataclass(frozen=True)
class RekeyResult:
    recovery_key: str
    removed_users: tuple[str, ...]  # must be given new passphrases by an administrator


def new_recovery(ws: Workspace, *, kdf: KdfParams | None = None) -> str:
    """Replace the recovery key; returns the new one, to be shown once and written down."""
    require(ws, ACTION)
    recovery = new_recovery_key()
    ws.db.key_file().set_recovery(recovery, ws.db.key, kdf)
    with ws.db.write(ws.actor) as w:
        w.event("keys:new_recovery", entity="user", entity_id=ws.user.id)
    return recovery


def _check_passphrase(ws: Workspace, passphrase: str) -> None:
    if ws.db.key_file().unlock(ws.user.username, passphrase) != ws.db.key:
        raise InvalidInput("That passphrase does not open this database.")


def _table_counts(conn: sqlcipher3.Connection, schema: str = "main") -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%'").fetchall()]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0]
            for n in names}


def _hold_alone(ws: Workspace) -> sqlcipher3.Connection:
    """This process's only connection to the database, holding it so that no other can read
    or write until it is closed. Refused if any other connection (another process: the
    command line, a backup) has it open, since its writes during the copy would be lost:
    leaving WAL mode needs the database to itself. WAL comes back with the next connection
    (``connect`` sets it), on the old file if the rekey stops, or on the new one."""
    ws.db.engine.dispose()  # our own pooled connections (reads and writes share the pool)
    try:
        conn = connect(ws.db.paths.database, ws.db.key)
    except DatabaseBusy:  # another program holds it (a backup, or a rekey of its own)
        raise DatabaseInUse() from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {_WAIT_FOR_OTHERS_MS}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise DatabaseInUse()
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")  # taken now, and kept after COMMIT in this mode
        conn.execute("COMMIT")
    except sqlcipher3.OperationalError:  # "database is locked": someone else has it open
        conn.close()
        raise DatabaseInUse() from None
    except BaseException:
        conn.close()
        raise
    return conn


def _export(conn: sqlcipher3.Connection, target: Path, new_key: bytes) -> dict[str, int]:
    """Copy the database into ``target`` under ``new_key``; returns the row counts."""
    conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{new_key.hex()}'\"", (str(target),))
    try:
        conn.execute("PRAGMA rekeyed.journal_mode = OFF")
        conn.execute("BEGIN")  # one snapshot for the copy and the counts
        try:
            conn.execute("SELECT sqlcipher_export('rekeyed')")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(f"PRAGMA rekeyed.user_version = {int(version)}")
            counts = _table_counts(conn)
        finally:
            conn.execute("COMMIT")
    finally:
        conn.execute("DETACH DATABASE rekeyed")
    with open(target, "rb+") as f:
        os.fsync(f.fileno())
    return counts


def _discard(new_file: Path, pending_keys: Path) -> None:
    """Remove an unfinished rekey's files, the pending key file first. A pending key file
    with no new database beside it means "the database was swapped" to the next open
    (``finish_interrupted_rekey``), which then puts that key file in place: so the new
    database goes only once the key file has, and if the key file cannot be removed both
    stay (with the new database there, the next open changes nothing). Best effort: the
    error that stopped the rekey is the one the user needs to see."""
    try:
        pending_keys.unlink(missing_ok=True)
        fsync_dir(pending_keys.parent)
    except OSError:
        return
    with contextlib.suppress(OSError):
        new_file.unlink(missing_ok=True)


def _verify(target: Path, new_key: bytes, counts: dict[str, int]) -> None:
    try:
        conn = connect(target, new_key)
    except CsnError:
        raise RekeyFailed() from None
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if not ok or _table_counts(conn) != counts:
            raise RekeyFailed()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def rekey(ws: Workspace, passphrase: str, *, kdf: KdfParams | None = None) -> RekeyResult:
    """Re-encrypt the whole database under a new random key (see the module note)."""
    require(ws, ACTION)
    _check_passphrase(ws, passphrase)
    paths = ws.db.paths
    db_file = paths.database
    new_file, pending_keys = rekey_files(paths)
    _discard(new_file, pending_keys)  # left by a rekey that stopped (key file first)
    if pending_keys.exists():
        raise DatabaseInUse()  # cannot be removed: something holds it
    for stale in (new_file, new_file.with_name(new_file.name + "-wal"),
                  new_file.with_name(new_file.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.close(os.open(new_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    new_key, recovery = new_db_key(), new_recovery_key()
    old = ws.db.key_file()
    removed = tuple(n for n in old.usernames() if n != ws.user.username)
    try:
        alone = _hold_alone(ws)
    except BaseException:
        _discard(new_file, pending_keys)
        raise
    try:
        counts = _export(alone, new_file, new_key)
        _verify(new_file, new_key, counts)
        params = kdf or keys_module.DEFAULT_KDF
        fresh = KeyFile(pending_keys)
        fresh.slots[ws.user.username] = Slot.seal(ws.user.username, passphrase.encode(),
                                                  new_key, params)
        fresh.set_recovery(recovery, new_key, params)  # saves to the pending path
        # The swap. The old file's WAL was emptied and left, so nothing can be replayed
        # onto the new file; it is closed first (Windows cannot replace an open file). A
        # program opening the old file in the moment between cannot write to it after
        # (SQLite refuses writes to a replaced file) and is refused on Windows.
        alone.close()
        try:
            os.replace(new_file, db_file)
        except OSError:
            raise DatabaseInUse() from None
    except BaseException:
        alone.close()
        _discard(new_file, pending_keys)
        raise
    for side in (db_file.with_name(db_file.name + "-wal"),
                 db_file.with_name(db_file.name + "-shm")):
        side.unlink(missing_ok=True)
    finish_interrupted_rekey(paths)  # renames the pending key file over the old one
    ws.db.key = new_key
    ws.db.engine = make_engine(db_file, new_key)
    with contextlib.suppress(KeyError):
        del ws.db.__dict__["_write_engine"]  # the cached write engine was on the old one
    with ws.db.write(ws.actor) as w:
        w.event("keys:rekey", entity="user", entity_id=ws.user.id,
                detail=f"slots removed: {len(removed)}")
    return RekeyResult(recovery, removed)
