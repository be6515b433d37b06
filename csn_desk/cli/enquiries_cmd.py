"""``csn-desk enquiries list``: ids, dates, site and need codes only (no personal data)."""

from __future__ import annotations

import argparse

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.enquiries import list_enquiries
from csn_desk.timefmt import uk_datetime


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("enquiries", help="list enquiries (no personal data)")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = inner.add_parser("list", help="ids, dates, site and need codes, newest first")
    add_common(lst)
    lst.add_argument("--month", default=None, help="only this month, as YYYY-MM")
    lst.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lst.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        rows = list_enquiries(ws, month=args.month, limit=args.limit)
    for row in rows:
        print(f"{row.id}\t{uk_datetime(row.received_at)}\t{row.site_name}\t"
              f"{','.join(row.need_codes)}")
    if not rows:
        print("No enquiries found.")
    return 0
