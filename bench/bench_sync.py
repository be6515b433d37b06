"""File-drop sync: how long moving changes between sites takes.

Targets (issue 5): export + import of 10k changes under 2 s; applying 100k changes under
15 s; a poll with nothing new over 5,000 segments in the drop under 50 ms.

The data is its own: two fictional sites of one network (a hub and a counter) in a temp
folder with a real drop folder between them; the changes are directory services written
through the one write path (about ten changes each), so the change log, the segments and
the merge are the real ones.

Run: ``.venv/bin/python -m bench.bench_sync [--quick]``."""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Result, print_results, summarise, time_ms
from csn_desk.workspace import Workspace

PASSPHRASE = "bench-kettle-orchard-42"
CHANGES_PER_SERVICE = 10  # organisation, name, description, status, needs_checking, ...


def _site(folder: Path, name: str, organisation: str) -> Workspace:
    from csn_desk.accounts import initialise

    ws, _ = initialise(folder, site_name=name, organisation_name=organisation,
                       admin_username="admin", passphrase=PASSPHRASE, check_strength=False)
    return ws


def pair(tmp: Path) -> tuple[Workspace, Workspace]:
    """A hub and a counter of one network, both synced once."""
    from csn_desk.sync import approve_join, create_network, request_join, sync_once

    drop = tmp / "drop"
    drop.mkdir(parents=True)
    hub = _site(tmp / "hub", "Bench hub (fictional)", "Bench CVS (fictional)")
    counter = _site(tmp / "counter", "Bench counter (fictional)", "placeholder")
    create_network(hub, drop, "Bench network")
    approve_join(hub, request_join(counter, drop).fingerprint, "Bench CVS (fictional)")
    for ws in (hub, counter, hub, counter):
        sync_once(ws)
    return hub, counter


def write_changes(ws: Workspace, changes: int, batch: int = 2000) -> int:
    """About ``changes`` change-log rows: services through the one write path."""
    from csn_desk.store.models import Service

    made = 0
    services = changes // CHANGES_PER_SERVICE
    while made < services:
        with ws.db.write(ws.actor) as w:
            for i in range(made, min(services, made + batch)):
                w.create(Service(organisation_id=ws.organisation_id, name=f"Bench service {i}",
                                 description=f"A fictional service number {i}.",
                                 phone="01632 960000", email=f"s{i}@example.org",
                                 url="https://example.org", eligibility="Anyone",
                                 application_process="Drop in", fees_text="Free"),
                         audit=False)
        made = min(services, made + batch)
    with ws.db.read() as s:
        from sqlalchemy import text

        return int(s.execute(text("SELECT count(*) FROM change_log")).scalar_one())


def bench_round_trip(tmp: Path, changes: int) -> list[Result]:
    """Export at one site and import at the other: the time from the first change leaving
    to the last one applied (one run: the data is consumed)."""
    from csn_desk.sync import sync_once

    hub, counter = pair(tmp)
    try:
        write_changes(hub, changes)
        t0 = time.perf_counter()
        sent = sync_once(hub)
        t1 = time.perf_counter()
        got = sync_once(counter)
        t2 = time.perf_counter()
        assert got.applied_changes >= changes * 0.9, got
        label = f"{changes // 1000}k"
        return [summarise(f"sync: export {label} changes", [(t1 - t0) * 1000], "(part of below)",
                          note=f"{sent.exported_segments} segment(s)"),
                summarise(f"sync: import {label} changes", [(t2 - t1) * 1000], "(part of below)"),
                summarise(f"sync: export + import {label} changes", [(t2 - t0) * 1000],
                          "< 2000 ms" if changes <= 10_000 else "apply < 15000 ms")]
    finally:
        hub.close()
        counter.close()


def _state(ws: Workspace) -> Any:
    from csn_desk.sync import state

    with ws.db.read() as s:
        net = state.network(s)
        ident = state.identity(s, ws.site_id)
        keys = state.scope_keys(s)
    return net, ident, keys


def bench_poll(tmp: Path, segments: int, runs: int) -> list[Result]:
    """A poll that finds nothing new, with ``segments`` files in the drop (all applied)."""
    import hashlib

    from csn_desk.store import migrate
    from csn_desk.store.models.sync import SyncSegment
    from csn_desk.sync import segment as seg
    from csn_desk.sync import sync_once
    from csn_desk.sync.drop import Drop
    from csn_desk.sync.importer import import_segments

    hub, counter = pair(tmp)
    try:
        net, ident, keys = _state(hub)
        drop = Drop(Path(net.drop_dir))
        stamp = f"{int(time.time() * 1000):013d}-000000"
        first = 10  # after the pair's own few
        rows = []
        prev = ""
        for seq in range(first, first + segments):
            data = seg.build(network_id=net.network_id, identity=ident, seq=seq,
                             prev_hash=prev, scope="network", epoch=net.epoch,
                             schema=migrate.head_revision(),
                             ops=[["organisation", hub.organisation_id, "phone",
                                   f"01632 {seq:06d}", stamp, None, None, "update"]],
                             scope_key=keys[("network", net.epoch)], install="bench",
                             created_ms=int(time.time() * 1000),
                             salt=secrets.token_bytes(32))
            path = drop.seg_path(hub.site_id, seq)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            prev = hashlib.sha256(data).hexdigest()
            rows.append(SyncSegment(site_id=hub.site_id, seq=seq, hash=prev, prev_hash="",
                                    scope="network", epoch=net.epoch, size=len(data), ops=1,
                                    state="applied"))
        # Set-up shortcut: record them as applied at the counter (applying 5,000 one-change
        # segments is measured by the import benchmark, not this one).
        with counter.db.write(counter.actor) as w:
            w.session.add_all(rows)
        cnet, _ident, ckeys = _state(counter)

        def poll() -> None:
            result = import_segments(counter, drop, cnet, ckeys,
                                     organisation_id=counter.organisation_id)
            assert result.segments == 0 and result.not_arrived == 0

        return [summarise(f"sync: empty poll, {segments:,} segments", time_ms(poll, runs),
                          "< 50 ms"),
                summarise(f"sync: whole sync round, nothing new, {segments:,} segments",
                          time_ms(lambda: sync_once(counter), max(3, runs // 4)),
                          "(no target)")]
    finally:
        hub.close()
        counter.close()


def run(_ws: Workspace | None, tmp: Path, runs: int, *, quick: bool = False) -> list[Result]:
    """Every sync measure on its own data in ``tmp``."""
    scale = 10 if quick else 1
    return [*bench_round_trip(tmp / "sync-10k", 10_000 // scale),
            *bench_round_trip(tmp / "sync-100k", 100_000 // scale),
            *bench_poll(tmp / "sync-poll", 5_000 // scale, max(10, min(runs, 50)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_sync")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--runs", type=int, default=None, help="timed polls")
    args = parser.parse_args(argv)
    runs = args.runs or (10 if args.quick else 30)
    with tempfile.TemporaryDirectory(prefix="csn-bench-sync-") as tmp:
        print("Building two fictional sites and their changes...", file=sys.stderr, flush=True)
        results = run(None, Path(tmp), runs, quick=args.quick)
    print_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
