"""``csn-desk backup --to DIR`` and ``csn-desk restore --from FILE``.

The backup is one verified, encrypted ``.csnbak`` file. A restore goes into an empty (or new)
data folder only and asks for an administrator's passphrase or the recovery key: typed at a
hidden prompt, read from --passphrase-file or the CSN_DESK_PASSPHRASE variable, or one line
on standard input when that is not a terminal; never as an argument."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from csn_desk.backup import make_backup, restore_backup
from csn_desk.cli.common import PASSPHRASE_ENV, UsageError, add_common, data_dir, open_workspace


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("backup", help="write a verified, encrypted backup file to a folder")
    add_common(p)
    p.add_argument("--to", dest="to", required=True, type=Path, metavar="DIR",
                   help="the folder (a USB stick, a network folder) to write the backup to")
    p.set_defaults(func=run_backup)

    r = sub.add_parser("restore", help="restore a backup file into an empty data folder")
    add_common(r)
    r.add_argument("--from", dest="source", required=True, type=Path, metavar="FILE",
                   help="the .csnbak backup file")
    r.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        result = make_backup(ws, args.to)
    print(f"Backup written and checked ({result.rows} rows, {result.size // 1024} KB): "
          f"{result.path}")
    print("Keep it somewhere safe: it opens only with a passphrase or the recovery key.")
    return 0


def _secret(args: argparse.Namespace) -> str:
    if args.passphrase_file:
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError:
            raise UsageError(f"Cannot read the passphrase file {args.passphrase_file}.") \
                from None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if sys.stdin.isatty():
        return getpass.getpass("An administrator's passphrase, or the recovery key: ")
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("No passphrase or recovery key given on standard input.")
    return line


def run_restore(args: argparse.Namespace) -> int:
    target = data_dir(args)
    result = restore_backup(args.source, target, _secret(args), username=args.user)
    how = "the recovery key" if result.with_recovery_key else "a passphrase"
    print(f"Restored the backup made {result.created_at} ({result.rows} rows, unlocked with "
          f"{how}) into {result.data_dir}.")
    print("Sign in as usual. Sync continues after this site's last changes in the shared "
          "folder.")
    return 0
