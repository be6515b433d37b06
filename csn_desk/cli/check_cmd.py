"""``csn-desk check``: cipher and SQLite integrity, foreign keys, audit chain, schema at head.

Prints one line per check and exits 0 only when every check holds (1 otherwise), so a
scheduled task or an administrator's script can act on it."""

from __future__ import annotations

import argparse

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.health import all_ok, run_checks


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="verify the database, its audit log and schema version")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Signing in upgrades an older schema first (after an encrypted backup), so the schema
    # check below reports the state the app will actually use.
    with open_workspace(args) as ws:
        if ws.db.backup_made is not None:
            print(f"NOTE the schema was upgraded on opening; a backup of the old database is "
                  f"in {ws.db.backup_made}")
        results = run_checks(ws.db)
    for result in results:
        print(result.line())
    return 0 if all_ok(results) else 1
