"""Managers' monthly tallies (issue 6). Target: a month's tallies over 1,000,000 enquiries
under 1 s.

"A month's tallies" is ``compute_tallies`` for one calendar month of the whole organisation:
every table with its two comparison months, the twelve months of needs for the chart, the
directory names of every service referred to. Measured exact (inside the organisation) and
with small numbers hidden (for sharing, with the insider checks per site), for one site,
and for the whole network (from the sites' snapshots, small numbers always hidden).
Also: a month's counts alone (the read of the monthly tallies the triggers keep), the same
month counted straight from the records (the date-range path, as a baseline), and what the
triggers add to saving an enquiry.

Run with the rest (``./run bench``: the shared data set, 100,000 enquiries) or alone:
``python -m bench.bench_tallies [--quick] [--enquiries 1000000] [--data-dir D]``; the last
keeps the generated data set in D (about 3 GB for a million) to measure it again later.
Alone, the data set is loaded with the monthly tallies built in one pass at the end by the
migration's own backfill instead of by the triggers row by row (``bench/data.py``; the same
rows, far faster for a million); ``--triggers-build`` loads it the slow way. Either way the
month measured is first checked against the same month counted from the records."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import Result, print_results, summarise, time_ms
from csn_desk.reports.periods import month_of
from csn_desk.store.models import Enquiry
from csn_desk.timefmt import to_uk
from csn_desk.workspace import Workspace

ANCHOR = date(2026, 11, 25)
MONTH = "2026-10"


def last_whole_month(ws: Workspace) -> str:
    """The last whole month of the data set (the generator ends at its anchor date)."""
    with ws.db.read() as s:
        latest = s.execute(select(func.max(Enquiry.received_at))).scalar_one()
    if latest is None:
        return MONTH
    return month_of(to_uk(latest).date()).previous().month_key


def run(ws: Workspace, _tmp: Path, runs: int) -> list[Result]:
    from csn_desk.reports.counting import Where, count_period
    from csn_desk.reports.monthly import month_counts
    from csn_desk.reports.periods import month
    from csn_desk.reports.tallies import compute_tallies

    period = month(last_whole_month(ws))
    runs = max(3, min(runs, 30))
    with ws.db.read() as s:
        kept = month_counts(s, ws.organisation_id, period)
        counted = count_period(s, Where(ws.organisation_id), period)
        size = kept.whole["enquiries"]
        rows = s.connection().exec_driver_sql(
            "SELECT count(*) FROM tally_month WHERE organisation_id = ? AND month = ?",
            (ws.organisation_id, period.month_key)).scalar_one()
    # The data set is right: the monthly tallies agree with the records.
    assert dict(kept.whole.items()) == dict(counted.whole.items()), "tallies differ"
    services = sum(1 for k in kept.whole if k.startswith("ref_service:"))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    note = (f"{period.label}: {size:,} enquiries, {services:,} services referred to, "
            f"{rows:,} monthly tally rows; load average {load} at the start")

    def read_month() -> None:
        with ws.db.read() as s:
            month_counts(s, ws.organisation_id, period)

    def count_month() -> None:
        with ws.db.read() as s:
            count_period(s, Where(ws.organisation_id), period)

    exact = time_ms(lambda: compute_tallies(ws, period, "organisation"), runs)
    direct = time_ms(count_month, max(3, runs // 5), warmup=1)
    results = [
        summarise("month's tallies, organisation (exact)", exact, "< 1000 ms", note=note),
        summarise("month's tallies, organisation (<5 hidden)",
                  time_ms(lambda: compute_tallies(ws, period, "organisation",
                                                  suppress_small=True), runs), "< 1000 ms"),
        summarise("month's tallies, one site (exact)",
                  time_ms(lambda: compute_tallies(ws, period, "site"), runs), "< 1000 ms"),
        # The network's figures are built from the sites' snapshots (the first call publishes
        # this site's, for every month the report and its chart need: not timed here).
        summarise("month's tallies, network (<5 hidden)",
                  time_ms(lambda: compute_tallies(ws, period, "network"), max(3, runs // 3)),
                  "< 1000 ms", note="snapshots published before timing (the warm-up run)"),
        summarise("a month's counts (monthly tallies read)", time_ms(read_month, runs * 3),
                  "(part of the above)", baseline=direct,
                  note="baseline: the same month counted from the records; load average "
                       + "/".join(f"{x:.1f}" for x in os.getloadavg()) + " at the end"),
    ]
    return results


def save_overhead(folder: Path, runs: int) -> Result:
    """Saving an enquiry (2 needs, 1 referral) with the tally triggers, against the same
    save with them dropped, in a small fresh workspace."""
    from csn_desk.accounts import initialise
    from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
    from csn_desk.referrals import ReferralDraft

    def workspace(name: str, drop: bool) -> Workspace:
        ws, _ = initialise(folder / name, site_name="Bench site (fictional)",
                           organisation_name="Bench organisation (fictional)",
                           admin_username="bench", passphrase="bench-kettle-orchard-42",
                           demo=True, check_strength=False)
        if drop:
            raw = ws.db.engine.raw_connection()
            try:
                con = raw.driver_connection
                assert con is not None
                for (name_,) in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'trigger' AND name LIKE 'tally_%'").fetchall():
                    con.execute(f"DROP TRIGGER {name_}")
            finally:
                raw.close()
        return ws

    def saver(ws: Workspace) -> Callable[[], object]:
        return lambda: save_enquiry(ws, EnquiryDraft(
            "walk_in", "self", (NeedInput("transport"), NeedInput("money_benefits")),
            age_band="80_plus", postcode_district="DL3"),
            [ReferralDraft("signposted", external_service="Dial-a-Ride",
                           follow_up_due=ANCHOR)])

    with workspace("with", False) as with_triggers, workspace("without", True) as without:
        base = time_ms(saver(without), runs)
        timed = time_ms(saver(with_triggers), runs)
    return summarise("save enquiry with tally triggers", timed, "(save target p95 < 15 ms)",
                     baseline=base, note="baseline: the same save without the triggers")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_tallies")
    parser.add_argument("--quick", action="store_true", help="5,000 enquiries, fewer runs")
    parser.add_argument("--enquiries", type=int, default=None,
                        help="enquiries to generate (default 100,000; 1,000,000 for the target)")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep (or reuse) the generated data set here")
    parser.add_argument("--triggers-build", action="store_true",
                        help="load the data set with the tally triggers on, row by row (as "
                             "the app writes; about an hour for a million) instead of "
                             "building the monthly tallies in one pass at the end")
    args = parser.parse_args(argv)
    enquiries = args.enquiries or (5_000 if args.quick else 100_000)
    runs = args.runs or (5 if args.quick else 15)
    from bench.data import PASSPHRASE, Sizes, build_sized

    sizes = Sizes(services=max(60, min(20_000, enquiries // 50)),
                  clients=max(10, enquiries // 5), enquiries=enquiries)
    with tempfile.TemporaryDirectory(prefix="csn-bench-tallies-") as tmp:
        folder = args.data_dir or Path(tmp)
        t0 = time.monotonic()
        if (folder / "data").exists():
            from csn_desk.accounts import sign_in
            ws = sign_in(folder / "data", "bench", PASSPHRASE)
            print("Reusing the data set in", folder, file=sys.stderr, flush=True)
        else:
            print(f"Building fictional data: {enquiries:,} enquiries...", file=sys.stderr,
                  flush=True)
            ws = build_sized(folder, sizes, bulk_tallies=not args.triggers_build)
            print(f"  built in {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        try:
            results = run(ws, folder, runs)
        finally:
            ws.close()
        results.append(save_overhead(Path(tmp), max(20, runs * 4)))
    print_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
