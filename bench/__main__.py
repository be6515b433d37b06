"""``./run bench`` (or ``python -m bench``): build fictional benchmark data, run every measure,
print a table and one JSON line per measure. ``--quick`` uses a tenth of the data for a smoke
run; the targets in performance.md refer to the full sizes."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    bench_clients,
    bench_directory,
    bench_documents,
    bench_store,
    bench_sync,
    bench_tallies,
)
from bench.data import Sizes, build_sized
from bench.harness import HEADER, Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per measure")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON lines here")
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes.full()
    runs = args.runs or (30 if args.quick else 200)

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="csn-bench-") as tmp:
        t0 = time.monotonic()
        print(f"Building fictional data: {sizes.services:,} services, {sizes.clients:,} clients,"
              f" {sizes.enquiries:,} enquiries...", file=sys.stderr, flush=True)
        ws = build_sized(Path(tmp), sizes)
        print(f"  built in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
        try:
            for module in (bench_directory, bench_clients, bench_store, bench_tallies):
                results += module.run(ws, Path(tmp), runs)
            results += bench_documents.run(ws, Path(tmp), runs, quick=args.quick)
            results += bench_sync.run(ws, Path(tmp), runs, quick=args.quick)
        finally:
            ws.close()

    print(HEADER)
    for r in results:
        print(r.row())
    lines = [r.json_line() for r in results]
    for line in lines:
        print(line)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")
    print(json.dumps({"sizes": sizes.__dict__, "runs": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
