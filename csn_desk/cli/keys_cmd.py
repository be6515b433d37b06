"""``csn-desk keys new-recovery|rekey``: the administrators' key operations.

    csn-desk keys new-recovery     # a new recovery key; the old printed one stops working
    csn-desk keys rekey            # re-encrypt the whole database after a suspected compromise

The administrator's passphrase comes from the usual places (prompt, --passphrase-file or the
environment), never the command line. The new recovery key is printed once."""

from __future__ import annotations

import argparse

from csn_desk.accounts import sign_in
from csn_desk.cli.common import add_common, data_dir, default_user, open_workspace, read_passphrase
from csn_desk.protection.keys_admin import new_recovery, rekey

WRITE_IT_DOWN = ("Write it down now and keep it locked away: it is shown only this once, and "
                 "it is the only way in if every passphrase is forgotten.")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("keys", help="make a new recovery key or re-encrypt the database")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    recovery = inner.add_parser("new-recovery",
                                help="replace the recovery key (the old one stops working)")
    add_common(recovery)
    recovery.set_defaults(func=run_new_recovery)

    again = inner.add_parser("rekey", help="re-encrypt the database under a new key after a "
                                           "suspected compromise")
    add_common(again)
    again.set_defaults(func=run_rekey)


def _show(recovery_key: str) -> None:
    print(f"New recovery key: {recovery_key}")
    print(WRITE_IT_DOWN)


def run_new_recovery(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        key = new_recovery(ws)
    print("The old recovery key no longer works.")
    _show(key)
    return 0


def run_rekey(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args)
    with sign_in(data_dir(args), default_user(args), passphrase) as ws:
        result = rekey(ws, passphrase)
    print("The database is now encrypted with a new key; the old key and recovery key no "
          "longer open it.")
    if result.removed_users:
        print("These users must be given new passphrases by an administrator "
              "('csn-desk users enable USERNAME'): " + ", ".join(result.removed_users))
    _show(result.recovery_key)
    return 0
