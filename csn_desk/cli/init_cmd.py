"""``csn-desk init``: a new data directory for a site; prints the recovery key once."""

from __future__ import annotations

import argparse

from csn_desk.accounts import initialise
from csn_desk.cli.common import add_common, data_dir, read_passphrase


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("init", help="set up a new data folder for this site")
    add_common(p, user=False)
    p.add_argument("--site", required=True, help="this access point's name")
    p.add_argument("--organisation", required=True, help="the organisation that runs it")
    p.add_argument("--admin", "--user", dest="admin", required=True,
                   help="username of the first administrator")
    p.add_argument("--admin-name", default=None, help="the administrator's display name")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args, "New passphrase for the administrator: ", confirm=True)
    ws, recovery = initialise(data_dir(args), site_name=args.site,
                              organisation_name=args.organisation, admin_username=args.admin,
                              passphrase=passphrase, admin_display_name=args.admin_name)
    ws.close()
    print(f"Set up {args.site} ({args.organisation}) in {data_dir(args)}.")
    print()
    print("RECOVERY KEY (shown once - write it down and keep it locked away):")
    print()
    print(f"    {recovery}")
    print()
    print("With it an administrator can reset a forgotten passphrase. Without it and without "
          "any passphrase, the data cannot be opened by anyone.")
    return 0
