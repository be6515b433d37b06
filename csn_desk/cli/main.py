"""``csn-desk``: with no command it opens the app; with a command it runs the same services
headless, for administrators, scheduled tasks and tests. Errors are one plain sentence and a
non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from csn_desk import __version__
from csn_desk.errors import CsnError

# Each module has register(subparsers); later features add theirs here.
COMMAND_MODULES = [
    "csn_desk.cli.init_cmd",
    "csn_desk.cli.demo_cmd",
    "csn_desk.cli.enquiries_cmd",
    "csn_desk.cli.print_cmd",
    "csn_desk.cli.check_cmd",
    "csn_desk.cli.selftest_cmd",
    "csn_desk.cli.directory_cmd",
    "csn_desk.cli.tallies_cmd",
    "csn_desk.cli.network_cmd",
    "csn_desk.cli.sync_cmd",
    "csn_desk.cli.retention_cmd",
    "csn_desk.cli.backup_cmd",
    "csn_desk.cli.users_cmd",
    "csn_desk.cli.keys_cmd",
    "csn_desk.cli.audit_cmd",
    "csn_desk.cli.sar_cmd",
    "csn_desk.cli.clients_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csn-desk",
        description="Community Support Network desk. Run with no command to open the app.")
    parser.add_argument("--version", action="version", version=f"csn-desk {__version__}")
    parser.add_argument("--data-dir", dest="app_data_dir", default=None,
                        help="open the app on this data folder")
    parser.add_argument("--demo", action="store_true",
                        help="open the app on the fictional demo data set (created if needed)")
    parser.add_argument("--demo-if-empty", action="store_true",
                        help="open real data if it exists, otherwise the demo data set")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from csn_desk.ui.app import run_app  # Qt is only imported when the app opens

            return run_app(args)
        return int(args.func(args) or 0)
    except CsnError as exc:
        print(f"csn-desk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("csn-desk: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback: it could carry personal data
        print(f"csn-desk: something went wrong ({type(exc).__name__}). Nothing was half-saved; "
              "try again, and if it keeps happening run 'csn-desk check'.", file=sys.stderr)
        return 70
