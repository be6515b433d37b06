"""Backing up: one verified ``.csnbak`` file in a folder the administrator chose (a USB stick,
a network folder). The file holds the database encrypted under its own key and the key file
whose slots are locked by each user's passphrase and the recovery key, so it can be read only
with one of those. After writing, the file is read back and checked as a restore would."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from csn_desk import __version__
from csn_desk.backup.bundle import SUFFIX, Manifest, read_bundle, sha256_file, write_bundle
from csn_desk.backup.dbcopy import check_copy, export_copy
from csn_desk.errors import InvalidInput
from csn_desk.ids import utcnow
from csn_desk.protection.roles import can, require
from csn_desk.store import migrate
from csn_desk.store.models import LocalSetting
from csn_desk.workspace import Workspace

MANAGE = "backups.manage"
LAST_BACKUP = "backup.last_at"
REMIND_DAYS = "backup.remind_days"
DEFAULT_REMIND_DAYS = 7
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    rows: int
    verified: bool


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:40] or "site"


def backup_name(ws: Workspace, when: datetime) -> str:
    return f"csn-desk-backup-{_slug(ws.site_name)}-{when:%Y%m%d-%H%M%S}{SUFFIX}"


def make_backup(ws: Workspace, folder: Path, progress: Progress | None = None) -> BackupResult:
    """Write and verify a backup in ``folder``; returns where it is. Administrators only."""
    require(ws, MANAGE)
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(f"The folder {folder} was not found; plug in the USB stick or choose "
                           "another folder.")
    say = progress or _quiet
    now = utcnow()
    target = folder / backup_name(ws, now)
    if target.exists():
        raise InvalidInput("A backup was made in that folder this very second; wait a moment "
                           "and try again.")
    work = Path(tempfile.mkdtemp(prefix="csn-backup-"))
    try:
        say(0, 4, "Copying the database")
        copy = work / "csn-desk.db"
        counts = export_copy(ws.db.engine, ws.db.key, copy)
        keys = work / "csn-desk.keys"
        shutil.copyfile(ws.db.paths.key_file, keys)
        manifest = Manifest(
            app_version=__version__, schema_revision=migrate.head_revision(),
            site_id=ws.site_id, site_name=ws.site_name,
            created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            files={name: {"size": p.stat().st_size, "sha256": sha256_file(p)}
                   for name, p in (("csn-desk.keys", keys), ("csn-desk.db", copy))},
            row_counts=counts)
        say(1, 4, "Writing the backup file")
        write_bundle(target, manifest, keys, copy)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(2, 4, "Checking the backup file")
    try:
        verify_backup(target, ws.db.key)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    say(3, 4, "Recording the backup")
    with ws.db.write(ws.actor) as w:
        _set(w.session, LAST_BACKUP, now.strftime("%Y-%m-%dT%H:%M:%S"))
        w.event("backup:made", entity="site", entity_id=ws.site_id,
                detail=f"rows={sum(counts.values())};bytes={target.stat().st_size}")
    say(4, 4, "Done")
    return BackupResult(target, target.stat().st_size, sum(counts.values()), verified=True)


def verify_backup(path: Path, key: bytes) -> Manifest:
    """Read a backup back whole: member hashes and sizes, then the database copy opened with
    ``key``, integrity-checked and its row counts compared. Raises BadBackup."""
    work = Path(tempfile.mkdtemp(prefix="csn-backup-check-"))
    try:
        manifest = read_bundle(path, work)
        check_copy(work / "csn-desk.db", key, manifest.row_counts)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _set(session: object, key: str, value: str) -> None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def last_backup(ws: Workspace) -> datetime | None:
    """When this copy was last backed up (UTC), or None if never."""
    with ws.db.read() as s:
        row = s.get(LocalSetting, LAST_BACKUP)
    return datetime.fromisoformat(row.value).replace(tzinfo=UTC) if row is not None else None


def remind_days(ws: Workspace) -> int:
    with ws.db.read() as s:
        row = s.get(LocalSetting, REMIND_DAYS)
    return int(row.value) if row is not None and row.value.isdigit() else DEFAULT_REMIND_DAYS


def set_remind_days(ws: Workspace, days: int) -> None:
    require(ws, MANAGE)
    if not 1 <= days <= 90:
        raise InvalidInput("Remind after between 1 and 90 days; choose a number in that range.")
    with ws.db.write(ws.actor) as w:
        _set(w.session, REMIND_DAYS, str(days))
        w.event("backup:set_reminder", entity="local_setting", detail=f"days={days}")


def backup_due(ws: Workspace, today: date) -> bool:
    """True when there is no backup, or the last is older than the reminder period."""
    last = last_backup(ws)
    if last is None:
        return True
    return today - last.date() >= timedelta(days=remind_days(ws))


def backup_reminder(ws: Workspace, today: date) -> str:
    """The reminder line for administrators, or "" when no backup is due."""
    if not can(ws, MANAGE) or not backup_due(ws, today):
        return ""
    last = last_backup(ws)
    if last is None:
        return "This computer's records have never been backed up: Admin > Backup and retention."
    days = (today - last.date()).days
    return (f"The last backup was {days} days ago: make one now in Admin > Backup and "
            "retention.")


def _quiet(done: int, total: int, text: str) -> None:
    """No progress wanted (the command line)."""
