"""``csn-desk tallies``: the managers' monthly tallies saved as XLSX, CSV or a PDF report.

    csn-desk tallies --month 2026-10 --scope organisation --format xlsx --out tallies.xlsx

Small numbers are hidden unless ``--exact`` is given (site and organisation only, for use
inside the organisation); network figures always hide them. Only the file name and counts of
what was saved are printed, never a figure."""

from __future__ import annotations

import argparse

from csn_desk.cli.common import UsageError, add_common, iso_day, open_workspace, out_file
from csn_desk.reports.exports import FORMATS, export_tallies
from csn_desk.reports.periods import Period, date_range, month
from csn_desk.reports.tallies import SCOPES, compute_tallies


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("tallies", help="save the monthly tallies as XLSX, CSV or PDF")
    add_common(p)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-10")
    when.add_argument("--from", dest="start", type=iso_day, metavar="YYYY-MM-DD",
                      help="a date range instead of a month (with --to; exact figures only)")
    p.add_argument("--to", dest="end", type=iso_day, metavar="YYYY-MM-DD",
                   help="the last day of the date range")
    p.add_argument("--scope", choices=SCOPES, default="organisation",
                   help="this site, the whole organisation, or the network (default: "
                        "organisation)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="xlsx, csv or pdf (default: from the --out file's ending)")
    p.add_argument("--out", required=True, type=out_file, metavar="FILE", help="where to save")
    p.add_argument("--exact", action="store_true",
                   help="show small numbers exactly (site or organisation, for use inside "
                        "the organisation only)")
    p.set_defaults(func=run)


def _period(args: argparse.Namespace) -> Period:
    if args.month:
        if args.end is not None:
            raise UsageError("Use --to only with --from, not with --month.")
        return month(args.month)
    if args.end is None:
        raise UsageError("A date range needs both --from and --to.")
    return date_range(args.start, args.end)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or args.out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError("Say which format to save with --format xlsx, csv or pdf.")
    if args.exact and args.scope == "network":
        raise UsageError("Network figures always hide small numbers; leave out --exact.")
    period = _period(args)
    with open_workspace(args) as ws:
        tallies = compute_tallies(ws, period, args.scope, suppress_small=not args.exact)
        saved = export_tallies(ws, tallies, fmt, args.out)
    pages = f", {saved.pages} page{'s' if saved.pages != 1 else ''}" if saved.pages else ""
    hidden = ("small numbers hidden" if tallies.suppression_applied
              else "no small numbers needed hiding" if tallies.suppressed
              else "exact figures: keep inside the organisation")
    print(f"Saved the {args.scope} tallies for {period.label} ({fmt}{pages}; {hidden}) to "
          f"{saved.path}")
    return 0
