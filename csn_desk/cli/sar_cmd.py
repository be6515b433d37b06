"""``csn-desk sar --client ID --out DIR``: a person's subject access pack (their whole record
as a PDF in their format, plus JSON) saved in a folder, the request logged with its due date.

Prints the file names and the due date only: the files themselves are the only plaintext
personal data the app writes, because an administrator asked for them."""

from __future__ import annotations

import argparse
from pathlib import Path

from csn_desk.cli.common import add_common, iso_day, open_workspace
from csn_desk.protection.subject_access import subject_access_pack
from csn_desk.timefmt import long_date


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("sar", help="save a person's subject access pack (PDF and JSON)")
    add_common(p)
    p.add_argument("--client", required=True, metavar="ID",
                   help="the client record id (find it with 'csn-desk clients find')")
    p.add_argument("--out", required=True, type=Path, metavar="DIR",
                   help="the folder to save the two files in")
    p.add_argument("--received", type=iso_day, default=None, metavar="YYYY-MM-DD",
                   help="the day the request came in (default: today)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        pack = subject_access_pack(ws, args.client, args.out, received=args.received)
    print(f"Saved the subject access pack ({pack.pages} page{'s' if pack.pages != 1 else ''})"
          f" to {pack.pdf_path} and {pack.json_path}.")
    print("These files are not encrypted: give them to the person and keep no other copy.")
    print(f"Request logged: received {long_date(pack.received)}, due by "
          f"{long_date(pack.due)}.")
    return 0
