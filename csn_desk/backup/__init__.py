"""Encrypted, verified backups and all-or-nothing restore (issue 7, DP-14).

``make_backup`` writes one ``.csnbak`` file and reads it back; ``restore_backup`` rebuilds a
data folder from one, into an empty folder only; ``backup_due`` drives the reminder."""

from csn_desk.backup.backup import (
    BackupResult,
    backup_due,
    backup_reminder,
    last_backup,
    make_backup,
    remind_days,
    set_remind_days,
    verify_backup,
)
from csn_desk.backup.bundle import BadBackup
from csn_desk.backup.restore import RestoreResult, restore_backup

__all__ = ["BackupResult", "BadBackup", "RestoreResult", "backup_due", "backup_reminder",
           "last_backup", "make_backup", "remind_days", "restore_backup", "set_remind_days",
           "verify_backup"]
