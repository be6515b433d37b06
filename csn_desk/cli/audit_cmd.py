"""``csn-desk audit verify|list``: check the hash-chained audit log is intact, and read it.

    csn-desk audit verify     exit 0 "Audit log intact: N entries", or exit 1 naming the first
                              bad entry and whether it was changed, removed or reordered
    csn-desk audit list --user j.smith --action view: --since 2026-11-01

Administrators only. Entries hold ids and actions, never personal data."""

from __future__ import annotations

import argparse
import sys

from csn_desk.cli.common import add_common, iso_day, open_workspace
from csn_desk.protection.audit_log import AuditFilter, check_log, query_audit, verdict
from csn_desk.timefmt import uk_datetime


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("audit", help="check the audit log is intact, or list its entries")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    verify = inner.add_parser("verify", help="check no entry was changed, removed or reordered")
    add_common(verify)
    verify.set_defaults(func=run_verify)

    show = inner.add_parser("list", help="list entries, newest first")
    add_common(show, user=False)  # --user here filters; --as says who signs in
    show.add_argument("--as", dest="user", default=None, metavar="USERNAME",
                      help="username to sign in as (default: the only user, or 'admin')")
    show.add_argument("--user", dest="who", default=None, metavar="USERNAME",
                      help="only what this member of staff did")
    show.add_argument("--action", default=None,
                      help="an action or the start of one, e.g. view: or auth:login")
    show.add_argument("--record", default=None, metavar="ID", help="only about this record id")
    show.add_argument("--since", type=iso_day, default=None, metavar="YYYY-MM-DD")
    show.add_argument("--until", type=iso_day, default=None, metavar="YYYY-MM-DD")
    show.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    show.set_defaults(func=run_list)


def run_verify(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        report = check_log(ws)
    if report.ok:
        print(verdict(report))
        return 0
    print(f"csn-desk: {verdict(report)}", file=sys.stderr)
    return 1


def run_list(args: argparse.Namespace) -> int:
    filters = AuditFilter(user=args.who, record_id=args.record, action=args.action,
                          since=args.since, until=args.until)
    with open_workspace(args) as ws:
        page = query_audit(ws, filters, limit=max(1, args.limit))
    for row in page.rows:
        about = f" {row.entity} {row.entity_id}" if row.entity_id else ""
        detail = f" ({row.detail})" if row.detail else ""
        print(f"{row.seq:>7}  {uk_datetime(row.at)}  {row.username or '-':<16} "
              f"{row.label}{about}{detail}")
    more = f"; showing the newest {len(page.rows)}" if page.has_more else ""
    print(f"{page.total} matching entr{'y' if page.total == 1 else 'ies'}{more}.")
    return 0
