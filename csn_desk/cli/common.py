"""What every command shares: --data-dir, --user, and reading a passphrase safely
(prompt, --passphrase-file or CSN_DESK_PASSPHRASE; never from argv)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from csn_desk.accounts import sign_in
from csn_desk.errors import CsnError
from csn_desk.store.paths import default_data_dir
from csn_desk.workspace import Workspace

PASSPHRASE_ENV = "CSN_DESK_PASSPHRASE"


class UsageError(CsnError):
    pass


def add_common(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the data folder (default: your per-user csn-desk folder)")
    if user:
        parser.add_argument("--user", default=None,
                            help="username to sign in as (default: the only user, or 'admin')")
    parser.add_argument("--passphrase-file", type=Path, default=None,
                        help=f"read the passphrase from this file (or set {PASSPHRASE_ENV})")


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ",
                    confirm: bool = False) -> str:
    if getattr(args, "passphrase_file", None):
        try:
            text = Path(args.passphrase_file).read_text(encoding="utf-8")
        except OSError:
            raise UsageError(f"Cannot read the passphrase file {args.passphrase_file}.") from None
        return text.rstrip("\r\n")
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise UsageError(f"No passphrase given: use --passphrase-file or set {PASSPHRASE_ENV}.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Type it again: ") != first:
        raise UsageError("The two passphrases did not match; nothing was changed.")
    return first


def default_user(args: argparse.Namespace) -> str:
    if getattr(args, "user", None):
        return str(args.user)
    from csn_desk.accounts import usernames

    names = usernames(data_dir(args))
    if len(names) == 1:
        return names[0]
    return "admin"


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Sign in for a command; the caller closes the workspace."""
    return sign_in(data_dir(args), default_user(args), read_passphrase(args))


def out_file(text: str) -> Path:
    """An argparse type for ``--out``: a file's name (a path ending in a slash names a
    folder, which ``Path`` would quietly turn into a file of that name)."""
    if text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError("give a file name, not a folder (it ends with '/')")
    return Path(text)


def iso_day(text: str) -> date:
    """An argparse type for YYYY-MM-DD dates, with a sentence saying how to write one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("write the date as YYYY-MM-DD, like 2026-10-31") \
            from None
