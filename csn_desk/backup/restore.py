"""Restoring a backup into an empty data folder, all or nothing.

Everything happens in a hidden folder beside the target: the file is read and checked whole,
the key is unlocked with a passphrase or the recovery key, the database copy is opened and
checked; only then is the folder renamed into place, and the result opened and checked again.
A damaged, cut-short or foreign file, a wrong secret or a non-empty target leaves the target
as it was.

Sync: the restored copy has a new installation tag (it lives in a new folder) and, before it
publishes, reads its own highest seq from the shared folder and continues after it
(``csn_desk.sync.export``), so it never writes a second segment under a number it used."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from csn_desk.backup.bundle import BadBackup, read_bundle
from csn_desk.backup.dbcopy import check_copy, schema_revision, user_role
from csn_desk.errors import CsnError, DamagedKeyFile, DatabaseTooNew, InvalidInput, NotAllowed
from csn_desk.protection.roles import role_can
from csn_desk.store import migrate
from csn_desk.store.atomic import fsync_dir
from csn_desk.store.database import Database
from csn_desk.store.keys import KeyFile, normalise_recovery_key
from csn_desk.store.paths import DataPaths
from csn_desk.store.writes import Actor

Progress = Callable[[int, int, str], None]
MANAGE = "backups.manage"


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    site_id: str
    created_at: str
    rows: int
    with_recovery_key: bool


def _check_target(data_dir: Path) -> None:
    if data_dir.exists():
        if not data_dir.is_dir():
            raise InvalidInput(f"{data_dir} is a file, not a folder; choose an empty folder to "
                               "restore into.")
        if any(data_dir.iterdir()):
            raise InvalidInput(f"The folder {data_dir} is not empty. A backup is only restored "
                               "into an empty folder, so nothing is overwritten; choose a new "
                               "or empty folder.")


def _looks_like_recovery_key(secret: str) -> bool:
    try:
        normalise_recovery_key(secret)
    except InvalidInput:
        return False
    return True


def _unlock(keys: KeyFile, secret: str, username: str | None) -> tuple[bytes, str | None]:
    """The database key and the username it was unlocked for (None: the recovery key)."""
    if username is None and _looks_like_recovery_key(secret):
        return keys.unlock_with_recovery(secret), None
    if username is None:
        names = keys.usernames()
        if len(names) != 1:
            raise InvalidInput("This backup has several users: say whose passphrase this is "
                               "(--user), or use the recovery key.")
        username = names[0]
    name = username.strip().lower()
    return keys.unlock(name, secret), name


def restore_backup(file: Path, data_dir: Path, secret: str, username: str | None = None,
                   progress: Progress | None = None) -> RestoreResult:
    """Restore ``file`` into the empty (or new) folder ``data_dir``. ``secret`` is an
    administrator's passphrase (with ``username`` when the backup has several users) or the
    recovery key."""
    say = progress or _quiet
    file, data_dir = Path(file), Path(data_dir)
    _check_target(data_dir)
    if not file.is_file():
        raise InvalidInput(f"The backup file {file} was not found; check the name and the "
                           "folder.")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = data_dir.parent / f".{data_dir.name}.restoring-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        say(0, 4, "Reading the backup file")
        manifest = read_bundle(file, staging)
        paths = DataPaths(staging)
        say(1, 4, "Unlocking")
        try:
            keys = KeyFile.load(paths.key_file)
        except DamagedKeyFile:
            raise BadBackup("its key file is damaged") from None
        key, user = _unlock(keys, secret, username)
        revision = schema_revision(paths.database, key)
        if revision is None or revision not in migrate.known_revisions():
            raise DatabaseTooNew()
        say(2, 4, "Checking the database")
        settings = check_copy(paths.database, key, manifest.row_counts)
        if settings.get("site_id") != manifest.site_id:
            raise BadBackup("its database belongs to another site than its contents list says")
        if user is not None:
            found = user_role(paths.database, key, user)
            if found is None or not found[1] or not role_can(found[0], MANAGE):
                raise NotAllowed("Only an administrator (or the recovery key) can restore a "
                                 "backup; nothing has been changed.")
        say(3, 4, "Putting the restored data in place")
        for f in staging.iterdir():
            with open(f, "rb+") as handle:
                os.fsync(handle.fileno())
        if data_dir.exists():
            data_dir.rmdir()  # empty, checked above
        os.replace(staging, data_dir)
        fsync_dir(data_dir.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _check_restored(data_dir, key, manifest.site_id, user)
    except BaseException:
        # Put the target back as it was: empty.
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(mode=0o700, exist_ok=True)
        raise
    say(4, 4, "Done")
    return RestoreResult(data_dir, manifest.site_id, manifest.created_at,
                         sum(manifest.row_counts.values()), with_recovery_key=user is None)


def _check_restored(data_dir: Path, key: bytes, site_id: str, user: str | None) -> None:
    """Open the restored folder as the app will (upgrading an older schema after its own
    encrypted copy) and record the restore in the audit log (ids only)."""
    try:
        db = Database.open_with_key(DataPaths(data_dir), key)
    except CsnError:
        raise
    except Exception:
        raise BadBackup("the restored database did not open") from None
    try:
        with db.read() as s:
            from sqlalchemy import text

            ok = s.execute(text("PRAGMA quick_check")).scalar_one()
            uid = s.execute(text('SELECT id FROM "user" WHERE username = :u'),
                            {"u": user or ""}).scalar_one_or_none()
        if ok != "ok":
            raise BadBackup("the restored database is damaged")
        with db.write(Actor(user_id=uid, site_id=site_id)) as w:
            w.event("backup:restored", entity="site", entity_id=site_id,
                    detail="recovery_key" if user is None else "passphrase")
    finally:
        with contextlib.suppress(Exception):
            db.close()


def _quiet(done: int, total: int, text: str) -> None:
    """No progress wanted (the command line)."""
