"""``csn-desk print slip`` and ``csn-desk print letters``: the same documents the app prints,
for scripts and for a coordinator without the app open. Only ids and counts are printed."""

from __future__ import annotations

import argparse
from pathlib import Path

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.documents.log import save_pdf
from csn_desk.documents.slip import make_slip

FORMAT_CHOICES = ("clear", "large16", "large18", "large24")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("print", help="make referral slips and letters as PDF")
    inner = p.add_subparsers(dest="action", metavar="WHAT", required=True)
    slip = inner.add_parser("slip", help="the referral slip for one enquiry")
    add_common(slip)
    slip.add_argument("--enquiry", required=True, metavar="ID", help="the enquiry's id")
    slip.add_argument("--format", choices=FORMAT_CHOICES, default=None,
                      help="print format (default: the client's recorded one)")
    slip.add_argument("--out", required=True, type=Path, metavar="F.pdf",
                      help="where to save the PDF")
    slip.set_defaults(func=run_slip)


def run_slip(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        doc = make_slip(ws, args.enquiry, format_code=args.format)
    save_pdf(doc.pdf, args.out)
    print(f"Saved the slip ({doc.fmt}, {doc.pages} page{'s' if doc.pages != 1 else ''}) to "
          f"{args.out}")
    return 0
