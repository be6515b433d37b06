"""``csn-desk demo``: a new data directory filled with clearly fictional demo data."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from csn_desk.cli.common import PASSPHRASE_ENV, UsageError, add_common, data_dir, read_passphrase
from csn_desk.demo import DEMO_ORGANISATION, DEMO_PASSPHRASE, DEMO_USERNAME


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("demo", help="create a new data folder with fictional demo data")
    add_common(p, user=False)
    p.add_argument("--enquiries", type=int, required=True, help="how many enquiries (e.g. 5000)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")
    p.add_argument("--organisation", default=DEMO_ORGANISATION)
    p.add_argument("--admin", "--user", dest="admin", default=None,
                   help="administrator username (passphrase as for every command); "
                        "without it a demo login is created and printed")
    p.add_argument("--anchor", type=date.fromisoformat, default=None,
                   help="pretend today is this date (YYYY-MM-DD), for reproducible data")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from csn_desk.demo.generate import create_demo

    if args.enquiries < 0 or args.enquiries > 5_000_000:
        raise UsageError("--enquiries must be between 0 and 5,000,000.")
    if args.admin:
        username, passphrase = args.admin, read_passphrase(args, confirm=True)
    else:
        username, passphrase = DEMO_USERNAME, DEMO_PASSPHRASE
    started = time.monotonic()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 1.0 or done == total:
            last[0] = now
            print(f"  {stage}: {done:,} of {total:,}", file=sys.stderr, flush=True)

    ws, summary = create_demo(data_dir(args), enquiries=args.enquiries, seed=args.seed,
                              organisation=args.organisation, admin=username,
                              passphrase=passphrase, anchor=args.anchor, progress=progress)
    ws.close()
    print(f"Demo data (fictional) created in {data_dir(args)} in "
          f"{time.monotonic() - started:.1f} s: {summary.enquiries:,} enquiries, "
          f"{summary.clients:,} clients, {summary.referrals:,} referrals, "
          f"{summary.services:,} services.")
    if not args.admin:
        print(f"Demo login: user '{DEMO_USERNAME}', passphrase '{DEMO_PASSPHRASE}' "
              f"(or set {PASSPHRASE_ENV}).")
    return 0
