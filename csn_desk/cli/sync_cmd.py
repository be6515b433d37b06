"""``csn-desk sync --once`` (for a scheduled task) and ``csn-desk sync --status``. Output has
counts, times and site names only, never record contents."""

from __future__ import annotations

import argparse

from csn_desk.cli.common import add_common, open_workspace
from csn_desk.sync import sync_once, sync_status
from csn_desk.timefmt import uk_datetime


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("sync", help="exchange changes with the other sites now, or show status")
    add_common(p)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one sync round, then exit")
    mode.add_argument("--status", action="store_true",
                      help="last sync, changes waiting, when each site was last heard from")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        if args.status:
            return _status(ws)
        report = sync_once(ws)
    if report.state == "waiting_for_approval":
        print("Waiting for an administrator to approve this site.")
        return 0
    if report.state == "removed":
        print("This site has been removed from the network; it no longer syncs.")
        return 1
    print(f"Received {report.imported_segments} file(s) with {report.applied_changes} "
          f"change(s); sent {report.exported_segments} file(s) with "
          f"{report.exported_changes} change(s).")
    if report.new_conflicts:
        print(f"{report.new_conflicts} edit(s) lost to another site's; see the conflicts view.")
    waiting = report.not_arrived + report.held
    if waiting:
        print(f"{waiting} file(s) are not ready to read yet.")
    if report.quarantined:
        print(f"{report.quarantined} file(s) were set aside as damaged or not genuine.")
    if report.checkpoints_written or report.segments_deleted:
        print(f"Wrote {report.checkpoints_written} checkpoint(s); tidied away "
              f"{report.segments_deleted} old change file(s) every site has.")
    for alert in report.alerts:
        print(f"NOTE {alert}")
    return 0


def _status(ws: object) -> int:
    status = sync_status(ws)  # type: ignore[arg-type]
    if status.state == "not_set_up":
        print("This site is not part of a network.")
        return 0
    last = uk_datetime(status.last_sync_at) if status.last_sync_at else "never"
    print(f"Network: {status.network_name} ({status.state.replace('_', ' ')})")
    print(f"Last sync: {last}")
    print(f"Changes waiting to go out: {status.changes_waiting}")
    if status.last_error:
        print(f"Last problem: {status.last_error}")
    for site in status.sites:
        heard = uk_datetime(site.last_heard_at) if site.last_heard_at else "not yet"
        me = " (this site)" if site.is_self else ""
        print(f"  {site.name}{me}: {site.status}, last heard from {heard}")
    ckpt = (uk_datetime(status.last_checkpoint_at) if status.last_checkpoint_at
            else "none yet")
    print(f"Shared folder: {status.segments_in_drop} change file(s), "
          f"{status.checkpoints_in_drop} checkpoint(s); this site's last checkpoint: {ckpt}; "
          f"{status.segments_deleted} of its old change file(s) tidied away")
    if status.caught_up_at:
        print(f"Caught up from a checkpoint: {uk_datetime(status.caught_up_at)}")
    if status.problems:
        print(f"{status.problems} file(s) need looking at; see the sync diagnostics.")
    for alert in status.alerts:
        print(f"NOTE {alert}")
    return 0
