"""``csn-desk retention preview|run``: the retention schedule, what it would change, and
applying it now (administrators). Prints counts per kind of record, never a name.

    csn-desk retention preview
    csn-desk retention run"""

from __future__ import annotations

import argparse

from csn_desk.cli.common import add_common, iso_day, open_workspace
from csn_desk.consents import uk_today
from csn_desk.protection.retention import load_schedule, preview_retention, run_retention


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("retention", help="preview or run the retention schedule")
    actions = p.add_subparsers(dest="retention_action", required=True)
    for name, text in (("preview", "show what the schedule would change today"),
                       ("run", "apply the schedule now (it also runs by itself daily)")):
        q = actions.add_parser(name, help=text)
        add_common(q)
        q.add_argument("--today", type=iso_day, default=None, metavar="YYYY-MM-DD",
                       help=argparse.SUPPRESS)  # for rehearsing the schedule on a copy
        q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    today = args.today or uk_today()
    with open_workspace(args) as ws:
        if args.retention_action == "preview":
            report = preview_retention(ws, today)
            print("Retention schedule:")
            for rule in load_schedule(ws):
                print(f"  {rule.words}")
            print(f"If it ran on {today:%d %B %Y}:")
        else:
            report = run_retention(ws, today)
            print(f"Retention schedule applied on {today:%d %B %Y}:")
        for line in report.lines():
            print(f"  {line}")
    return 0
