"""File-drop sync: how long moving changes between sites takes.

Targets (issue 5): export + import of 10k changes under 2 s; applying 100k changes under
15 s; a poll with nothing new over 5,000 segments in the drop under 50 ms.

The data is its own: two fictional sites of one network (a hub and a counter) in a temp
folder with a real drop folder between them; the changes are directory services written
through the one write path (eleven changes each), so the change log, the segments and
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
CHANGES_PER_SERVICE = 11  # change-log rows per new service (one per field set)


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
    """At least ``changes`` change-log rows: new services through the one write path.
    Returns the site's change-log count afterwards."""
    from csn_desk.store.models import Service

    made = 0
    services = -(-changes // CHANGES_PER_SERVICE)
    tag = secrets.token_hex(3)  # names differ from run to run on one site
    while made < services:
        with ws.db.write(ws.actor) as w:
            for i in range(made, min(services, made + batch)):
                w.create(Service(organisation_id=ws.organisation_id,
                                 name=f"Bench service {tag}-{i}",
                                 description=f"A fictional service number {i}.",
                                 phone="01632 960000", email=f"s{i}@example.org",
                                 url="https://example.org", eligibility="Anyone",
                                 application_process="Drop in", fees_text="Free"),
                         audit=False)
        made = min(services, made + batch)
    with ws.db.read() as s:
        from sqlalchemy import text

        return int(s.execute(text("SELECT count(*) FROM change_log")).scalar_one())


def bench_round_trip(tmp: Path, changes: int, runs: int, target: str, *,
                     apply_target: bool = False) -> list[Result]:
    """Export at one site and import at the other, ``runs`` times on one pair, each time
    with ``changes`` new change-log rows (the data is consumed). Both sides are whole sync
    rounds (``sync_once``), as the app runs them; ``target`` goes on the export + import row,
    or on the import row alone with ``apply_target`` (the first-join measure)."""
    from csn_desk.sync import sync_once

    hub, counter = pair(tmp)
    exports: list[float] = []
    imports: list[float] = []
    segments = sent_changes = 0
    try:
        for _ in range(runs):
            before = _log_count(hub)
            written = write_changes(hub, changes) - before
            t0 = time.perf_counter()
            sent = sync_once(hub)
            t1 = time.perf_counter()
            got = sync_once(counter)
            t2 = time.perf_counter()
            # Every change left and every one was applied (new rows: none can lose).
            assert sent.exported_changes == written >= changes, (sent, written)
            assert got.applied_changes == written, (got, written)
            assert got.quarantined == got.held == got.not_arrived == 0, got
            exports.append((t1 - t0) * 1000)
            imports.append((t2 - t1) * 1000)
            segments, sent_changes = sent.exported_segments, sent.exported_changes
        label = f"{changes // 1000}k"
        note = f"{sent_changes:,} changes in {segments} segment(s)"
        both = [e + i for e, i in zip(exports, imports, strict=True)]
        return [summarise(f"sync: export {label} changes", exports, "(part of below)",
                          note=note),
                summarise(f"sync: import (apply) {label} changes", imports,
                          target if apply_target else "(part of below)",
                          note=note),
                summarise(f"sync: export + import {label} changes", both,
                          "(no target)" if apply_target else target,
                          note=note)]
    finally:
        hub.close()
        counter.close()


def _log_count(ws: Workspace) -> int:
    from sqlalchemy import text

    with ws.db.read() as s:
        return int(s.execute(text("SELECT count(*) FROM change_log")).scalar_one())


def _state(ws: Workspace) -> Any:
    from csn_desk.sync import state

    with ws.db.read() as s:
        net = state.network(s)
        ident = state.identity(s, ws.site_id)
        keys = state.scope_keys(s)
    return net, ident, keys


def publish_small_segments(hub: Workspace, count: int) -> None:
    """``count`` real one-change segments from the hub, each placed in the drop as export
    places them (signed, encrypted, chained by hash) and recorded as published at the hub.
    Built directly rather than through ``sync_once``: one export per change would take as
    long as the rest of the benchmark."""
    import hashlib

    from csn_desk.store import migrate
    from csn_desk.store.models.sync import SyncSegment
    from csn_desk.sync import segment as seg
    from csn_desk.sync import state
    from csn_desk.sync.drop import Drop

    net, ident, keys = _state(hub)
    drop = Drop(Path(net.drop_dir))
    with hub.db.read() as s:
        top, prev = state.last_own_seq(s, hub.site_id)
    top = max(top, max(drop.segments(hub.site_id), default=0))
    install = state.install_tag(hub)
    base_ms = int(time.time() * 1000)
    rows = []
    for i, seq in enumerate(range(top + 1, top + 1 + count)):
        stamp = f"{base_ms:013d}-{i % 1_000_000:06d}"
        data = seg.build(network_id=net.network_id, identity=ident, seq=seq,
                         prev_hash=prev, scope="network", epoch=net.epoch,
                         schema=migrate.head_revision(),
                         ops=[["organisation", hub.organisation_id, "phone",
                               f"01632 {seq:06d}", stamp, None, None, "update"]],
                         scope_key=keys[("network", net.epoch)], install=install,
                         created_ms=base_ms, salt=secrets.token_bytes(32))
        drop.publish(drop.seg_path(hub.site_id, seq), data, tag=f"{hub.site_id}-{seq:012d}")
        digest = hashlib.sha256(data).hexdigest()
        rows.append(SyncSegment(site_id=hub.site_id, seq=seq, hash=digest, prev_hash=prev,
                                scope="network", epoch=net.epoch, size=len(data), ops=1,
                                state="published", install=install))
        prev = digest
    with hub.db.write(hub.actor) as w:
        w.session.add_all(rows)


def bench_poll(tmp: Path, segments: int, runs: int) -> list[Result]:
    """A poll that finds nothing new, with ``segments`` real segment files in the drop, every
    one really imported (verified, decrypted, merged, recorded) at the polling site first.

    The target is on the whole sync round (``sync_once``): that is what the app's timer runs.
    The import-side scan alone is shown beside it, and a first poll after the app starts
    (the per-process cache of recorded segment names empty)."""
    from csn_desk.sync import importer, sync_once
    from csn_desk.sync.drop import Drop
    from csn_desk.sync.importer import import_segments

    hub, counter = pair(tmp)
    try:
        publish_small_segments(hub, segments)
        t0 = time.perf_counter()
        got = sync_once(counter)
        setup_ms = (time.perf_counter() - t0) * 1000
        assert got.imported_segments == segments and got.quarantined == 0, got
        cnet, _ident, ckeys = _state(counter)
        drop = Drop(Path(cnet.drop_dir))
        in_drop = sum(len(drop.segments(site)) for site in drop.site_dirs("seg"))
        assert in_drop >= segments, in_drop

        def poll() -> None:
            report = sync_once(counter)
            assert report.imported_segments == 0 and report.not_arrived == 0, report

        def scan() -> None:
            result = import_segments(counter, drop, cnet, ckeys,
                                     organisation_id=counter.organisation_id)
            assert result.segments == 0 and result.not_arrived == 0

        def cold() -> None:
            importer._NAMES.clear()
            scan()

        note = f"{in_drop:,} segment files in the drop"
        return [summarise(f"sync: import {segments:,} one-change segments", [setup_ms],
                          "(no target)", note="one transaction each"),
                summarise(f"sync: poll, nothing new, {segments:,} segments",
                          time_ms(poll, runs), "< 50 ms", note=note + "; whole sync round"),
                summarise(f"sync: poll import scan only, {segments:,} segments",
                          time_ms(scan, runs), "(part of above)", note=note),
                summarise(f"sync: first import scan after start, {segments:,} seg.",
                          time_ms(cold, max(3, runs // 4)), "(no target)", note=note)]
    finally:
        hub.close()
        counter.close()


def run(_ws: Workspace | None, tmp: Path, runs: int, *, quick: bool = False) -> list[Result]:
    """Every sync measure on its own data in ``tmp``."""
    scale = 10 if quick else 1
    return [*bench_round_trip(tmp / "sync-10k", 10_000 // scale, 3, "< 2000 ms"),
            *bench_round_trip(tmp / "sync-100k", 100_000 // scale, 1, "< 15000 ms",
                              apply_target=True),
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
