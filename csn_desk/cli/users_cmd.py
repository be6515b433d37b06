"""``csn-desk users list|add|disable|enable|role|reset|passphrase``: the administrators' user
management, the same services as Admin > Users (and changing one's own passphrase).

    csn-desk users add j.smith --name "Jo Smith" --role counter

New passphrases and the recovery key are typed at a hidden prompt, or read one per line from
standard input when it is not a terminal (for scripts); never taken from the command line,
where other users of the computer could see them."""

from __future__ import annotations

import argparse
import getpass
import sys

from csn_desk.accounts import (
    UserRow,
    add_user,
    change_passphrase,
    change_role,
    disable_user,
    enable_user,
    list_users,
    reset_passphrase,
)
from csn_desk.cli.common import UsageError, add_common, open_workspace
from csn_desk.vocab import vocab


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("users", help="list, add, disable, enable or reset staff accounts")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    roles = vocab("roles").codes

    show = inner.add_parser("list", help="everyone who has an account here")
    add_common(show)
    show.set_defaults(func=run_list)

    add = inner.add_parser("add", help="add a member of staff (asks for their passphrase)")
    add_common(add)
    add.add_argument("username", help="what they type to sign in, e.g. j.smith")
    add.add_argument("--name", required=True, help="their name as colleagues know it")
    add.add_argument("--role", required=True, choices=roles, help="what they may do")
    add.set_defaults(func=run_add)

    disable = inner.add_parser("disable", help="stop someone signing in")
    add_common(disable)
    disable.add_argument("username")
    disable.set_defaults(func=run_disable)

    enable = inner.add_parser("enable", help="let a disabled account sign in again, with a new "
                                             "passphrase")
    add_common(enable)
    enable.add_argument("username")
    enable.set_defaults(func=run_enable)

    role = inner.add_parser("role", help="change what someone may do")
    add_common(role)
    role.add_argument("username")
    role.add_argument("role", choices=roles)
    role.set_defaults(func=run_role)

    reset = inner.add_parser("reset", help="set a forgotten passphrase (needs the recovery key)")
    add_common(reset)
    reset.add_argument("username")
    reset.set_defaults(func=run_reset)

    passphrase = inner.add_parser("passphrase", help="change your own passphrase (or, for an "
                                                     "administrator, someone else's)")
    add_common(passphrase)
    passphrase.add_argument("username", nargs="?", default=None,
                            help="whose passphrase (default: the signed-in user)")
    passphrase.set_defaults(func=run_passphrase)


def read_secret(prompt: str, *, confirm: bool = False) -> str:
    """A hidden prompt at a terminal; otherwise the next line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Type it again: ") != first:
            raise UsageError("The two passphrases did not match; nothing was changed.")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise UsageError("Nothing was typed; nothing was changed.")
    return first


def _line(row: UserRow) -> str:
    state = "active" if row.active else "disabled"
    line = f"{row.username:<20} {row.role_label:<28} {state:<9} {row.display_name}"
    if row.active and not row.has_passphrase:
        line += (f"  (cannot sign in until given a new passphrase: csn-desk users reset "
                 f"{row.username})")
    return line


def run_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        rows = list_users(ws)
    print(f"{'Username':<20} {'Role':<28} {'State':<9} Name")
    for row in rows:
        print(_line(row))
    return 0


def run_add(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        secret = read_secret(f"Passphrase for {args.username}: ", confirm=True)
        user = add_user(ws, args.username, args.name, args.role, secret)
    print(f"Added {user.username} as {vocab('roles').label(user.role)}.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        row = disable_user(ws, args.username)
    print(f"Disabled {row.username}: they can no longer sign in.")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        secret = read_secret(f"New passphrase for {args.username}: ", confirm=True)
        row = enable_user(ws, args.username, secret)
    print(f"Enabled {row.username}: they sign in with the new passphrase.")
    return 0


def run_role(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        row = change_role(ws, args.username, args.role)
    print(f"{row.username} is now {row.role_label}.")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        recovery = read_secret("Recovery key (from the printed sheet): ")
        secret = read_secret(f"New passphrase for {args.username}: ", confirm=True)
        reset_passphrase(ws, args.username, recovery, secret)
    print(f"Reset the passphrase for {args.username.strip().lower()}.")
    return 0


def run_passphrase(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        target = (args.username or ws.user.username).strip().lower()
        secret = read_secret(f"New passphrase for {target}: ", confirm=True)
        change_passphrase(ws, secret, username=args.username)
    print(f"Changed the passphrase for {target}; the old one no longer works.")
    return 0
