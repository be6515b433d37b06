"""``csn-desk clients find TEXT``: for administrators handling a request about a person's
data, the matching client ids with a hint that tells people apart without naming them (year
of birth, postcode district). The search is audited."""

from __future__ import annotations

import argparse

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.protection.subject_requests import find_subjects


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("clients", help="find client record ids (administrators)")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    find = inner.add_parser("find", help="client ids matching a name, date of birth "
                                         "(dd/mm/yyyy) or postcode")
    add_common(find)
    find.add_argument("text", help="what to look for, e.g. \"smith j\" or \"DL1 1AA\"")
    find.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    find.set_defaults(func=run_find)


def run_find(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        hints = find_subjects(ws, args.text, limit=args.limit)
    for h in hints:
        born = f"born {h.birth_year}" if h.birth_year else "year of birth not recorded"
        where = f"postcode district {h.district}" if h.district else "no postcode"
        flag = "\trestricted" if h.restricted else ""
        print(f"{h.client_id}\t{born}\t{where}{flag}")
    if not hints:
        print("No client records match.")
    return 0
