"""Directory import: a generated 20,000-service Open Referral UK file (8,000 organisations,
like a county-wide feed), imported into a fresh encrypted workspace through the one write
path, with progress. Then the same file again, which must change nothing.

Target (issue 8 / performance.md): under 20 s with progress shown.

The file is fictional (Example Street addresses, drama-range 01632 phone numbers) and the
same every run (fixed seed). Run: ``.venv/bin/python -m bench.bench_directory_import
[--quick]``."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.harness import Result, print_results, summarise
from csn_desk.workspace import Workspace

PASSPHRASE = "bench-kettle-orchard-42"
SERVICES = 20_000
ORGANISATIONS = 8_000
NAMESPACE = uuid.UUID("0c5a3b9e-6f1d-5b27-8a4e-3d9c2e1f7b60")
DISTRICTS = ("DL1", "DL2", "DL3", "DL5", "DL14", "TS1", "TS18", "DH1")
ACTIVITIES = ("Lunch club", "Befriending", "Benefit check", "Handyperson", "Carers' cafe",
              "Memory cafe", "Tablet help", "Chair exercise", "Community transport",
              "Bathing service", "Shopmobility", "Scam awareness", "Day centre", "Advocacy",
              "Gardening help", "Welfare rights", "Walking group", "Craft group")
NEEDS = ("information", "clubs_groups", "personal_support", "transport", "practical_support",
         "money_benefits", "carers", "digital", "health_wellbeing", "staying_safe")
DAYS = ("MO", "TU", "WE", "TH", "FR")
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's last part uses


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def generate(services: int = SERVICES, organisations: int = ORGANISATIONS,
             seed: int = 11) -> dict[str, Any]:
    """An ORUK 3 page of ``services`` full services (fictional)."""
    rng = random.Random(seed)
    orgs = [{"id": _id("org", i), "name": f"Example Community Trust {i + 1}",
             "description": "A fictional charity in the benchmark data set.",
             "email": f"info{i}@example.org", "website": f"https://example.org/{i}",
             "phones": [{"number": f"01632 96{i % 10000:04d}"}],
             "organization_identifiers": [{"identifier_scheme": "GB-CHC",
                                           "identifier_type": "Charity number",
                                           "identifier": str(1_100_000 + i)}]}
            for i in range(organisations)]
    contents = []
    for i in range(services):
        activity = rng.choice(ACTIVITIES)
        district = rng.choice(DISTRICTS)
        sid = _id("service", i)
        schedules = [{"id": _id("schedule", i, d), "freq": "WEEKLY", "byday": d,
                      "opens_at": "09:30", "closes_at": rng.choice(["12:00", "16:00"])}
                     for d in sorted(rng.sample(DAYS, rng.randint(1, 3)))]
        cost = rng.random()
        costs = ([{"id": _id("cost", i), "amount": 0, "currency": "GBP"}] if cost < 0.45 else
                 [{"id": _id("cost", i), "amount": rng.choice([2, 3.5, 5, 11, 13]),
                   "currency": "GBP", "amount_description": "per session"}]
                 if cost < 0.75 else [])
        contents.append({
            "id": sid, "name": f"{activity} {i + 1}", "status": "active",
            "description": f"{activity} for older and disabled people in {district}; a "
                           "fictional service in the benchmark data set.",
            "url": f"https://example.org/service/{i}", "email": f"service{i}@example.org",
            "attending_access": rng.choice(["drop-in", "appointment", "referral"]),
            "minimum_age": rng.choice([None, 50, 60, 65]),
            "assured_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "organization": orgs[i % organisations],
            "phones": [{"number": f"01632 97{i % 10000:04d}"}],
            "schedules": schedules, "cost_options": costs,
            "service_areas": [{"id": _id("area", i, d), "name": d}
                              for d in rng.sample(DISTRICTS, rng.randint(0, 2))],
            "service_at_locations": [{"id": _id("sal", i), "location": {
                "id": _id("location", i), "name": f"{activity} venue {i + 1}",
                "addresses": [{"address_1": f"{i % 200 + 1} Example Street",
                               "city": "Darlington", "postal_code":
                                   f"{district} {rng.randint(1, 9)}{rng.choice(LETTERS)}"
                                   f"{rng.choice(LETTERS)}",
                               "country": "GB", "address_type": "physical"}]}}],
            "attributes": [{"taxonomy_term": {"code": rng.choice(NEEDS),
                                              "taxonomy": "csn-need"}}],
        })
    return {"total_items": services, "contents": contents}


def _workspace(folder: Path) -> Workspace:
    from csn_desk.accounts import initialise

    ws, _ = initialise(folder, site_name="Bench site (fictional)",
                       organisation_name="Bench organisation (fictional)",
                       admin_username="bench", passphrase=PASSPHRASE, demo=True,
                       check_strength=False)
    return ws


class _Progress:
    """Counts progress reports, as the app's progress bar would receive them."""

    def __init__(self) -> None:
        self.reports = 0
        self.last: tuple[int, int, str] = (0, 0, "")

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        self.reports += 1
        self.last = (done, total, text)

    def check(self) -> None:
        pass


def run(_ws: Workspace | None, tmp: Path, runs: int, *, quick: bool = False) -> list[Result]:
    """Import the generated file into a fresh workspace ``runs`` times (each timed from the
    file on disk to the commit), then once more into the last one (nothing to change)."""
    from csn_desk.directory.oruk_import import import_file

    services = SERVICES // 10 if quick else SERVICES
    organisations = ORGANISATIONS // 10 if quick else ORGANISATIONS
    path = tmp / "oruk-bench.json"
    path.write_text(json.dumps(generate(services, organisations), separators=(",", ":")),
                    encoding="utf-8")
    size_mb = path.stat().st_size / 1e6
    first: list[float] = []
    cpu: list[float] = []
    loads: list[float] = []
    ws = None
    for n in range(max(1, runs)):
        if ws is not None:
            ws.close()
        ws = _workspace(tmp / f"data-{n}")
        progress = _Progress()
        loads.append(os.getloadavg()[0])
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_file(ws, path, progress=progress)
        first.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert report.service_counts.created == services, report.summary()
        assert progress.reports > services // 500, "progress was not reported"
    assert ws is not None
    again_load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    again = import_file(ws, path)
    second, second_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert again.service_counts.unchanged == services, again.summary()
    ws.close()
    # The machine's 1-minute load average when each timing started: on a shared machine
    # the wall time says as much about the neighbours as about the import; CPU time less.
    return [
        summarise(f"directory import, {services:,} services ORUK JSON", first, "< 20 s",
                  unit="s", note=f"file {size_mb:.1f} MB; CPU median "
                                 f"{sorted(cpu)[len(cpu) // 2]:.1f} s; each run "
                                 f"{', '.join(f'{x:.1f}' for x in first)} s (CPU "
                                 f"{', '.join(f'{x:.1f}' for x in cpu)} s); load average "
                                 f"{', '.join(f'{x:.1f}' for x in loads)}"),
        summarise(f"directory re-import, {services:,} unchanged", [second], "(no target)",
                  unit="s", note=f"CPU {second_cpu:.1f} s; load average {again_load:.1f}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_directory_import")
    parser.add_argument("--quick", action="store_true", help="2,000 services, one run")
    parser.add_argument("--runs", type=int, default=None, help="timed imports")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="csn-bench-import-") as tmp:
        t0 = time.monotonic()
        print("Generating and importing a fictional ORUK file...", file=sys.stderr, flush=True)
        results = run(None, Path(tmp), runs, quick=args.quick)
        print(f"  done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    print_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
