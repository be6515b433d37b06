"""Printed documents: how long the letters (and, later, the slips) take to make.

Targets (issue 4): 200 follow-up letters, each in its own person's format and joined into
one PDF, under 15 s; one slip under 150 ms.

The data is its own small fictional workspace (people with postal addresses and follow-ups
due; phone numbers in Ofcom's drama range), built in a temp folder, because the letters
need things the big benchmark data set does not promise (addresses, consents, due dates).

Run: ``.venv/bin/python -m bench.bench_documents [--quick]``."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.harness import Result, print_results, summarise, time_ms
from csn_desk.workspace import Workspace

PASSPHRASE = "bench-kettle-orchard-42"
LETTERS = 200
DUE_BY = date(2026, 11, 30)
DAY = date(2026, 11, 25)
FORMATS = ("standard", "large16", "large18", "large24")
GIVEN = ("Zoë", "Siobhán", "Mary", "Arthur", "Gwen", "Rajinder", "Bronwen", "Seán")
FAMILY = ("O'Neill", "Ó Súilleabháin", "Example", "Sample", "Fictional", "Testwood")


# -- data ------------------------------------------------------------------------------------
def letters_workspace(folder: Path, letters: int = LETTERS) -> Workspace:
    """A workspace with ``letters`` people who can each get a follow-up letter due by
    ``DUE_BY``, in a mix of print formats."""
    from csn_desk.accounts import initialise
    from csn_desk.clients import ClientInput, add_client
    from csn_desk.directory.editing import (
        LocationInput,
        OrganisationInput,
        ServiceInput,
        add_organisation,
        add_service,
    )
    from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
    from csn_desk.referrals import ReferralDraft
    from csn_desk.sites import update_site_details

    ws, _ = initialise(folder / "data", site_name="Bench site (fictional)",
                       organisation_name="Bench organisation (fictional)",
                       admin_username="bench", passphrase=PASSPHRASE, demo=True,
                       check_strength=False)
    update_site_details(ws, phone="01632 960000", address_line1="1 Example Street",
                        post_town="Darlington", postcode="DL1 1AA")
    org = add_organisation(ws, OrganisationInput(name="Example Advice Trust"))
    services = [add_service(ws, ServiceInput(
        organisation_id=org, name=f"Example Service {i}", phone=f"01632 9601{i:02d}",
        location=LocationInput(address_1=f"{i} Example Road", city="Darlington",
                               postcode="DL3 7AA"))) for i in range(10)]
    for i in range(letters):
        cid = add_client(ws, ClientInput(
            given_name=GIVEN[i % len(GIVEN)], family_name=FAMILY[i % len(FAMILY)],
            address_line1=f"{i + 1} Example Street", address_line2="Hurworth" if i % 3 else None,
            post_town="Darlington", postcode="DL3 6AA",
            preferred_format=FORMATS[i % len(FORMATS)]))
        save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                      needs=(NeedInput("money_benefits"),), client_id=cid),
                     [ReferralDraft(kind="signposted", service_id=services[i % len(services)],
                                    follow_up_due=date(2026, 11, 1 + i % 28))])
    return ws


# -- measures --------------------------------------------------------------------------------
def bench_letters(ws: Workspace, runs: int, letters: int = LETTERS) -> Result:
    """The whole batch as a coordinator runs it: read, fill, lay out, join, log."""
    from csn_desk.documents.batch import letters_due

    def batch() -> None:
        result = letters_due(ws, DUE_BY, day=DAY)
        assert len(result.letters) == letters, (len(result.letters), result.skipped[:3])

    samples = [s / 1000 for s in time_ms(batch, runs, warmup=1)]
    return summarise(f"{letters} follow-up letters, one PDF", samples, "< 15 s", unit="s",
                     note="mixed formats: clear, 16, 18 and 24 pt")


def bench_one_letter(ws: Workspace, runs: int) -> Result:
    from csn_desk.documents.letters import make_followup_letter
    from csn_desk.referrals import follow_ups_due

    ids = [r.referral_id for r in follow_ups_due(ws, DUE_BY, limit=40)]
    picks = iter(ids * (runs // len(ids) + 3))
    return summarise("one follow-up letter (make and log)",
                     time_ms(lambda: make_followup_letter(ws, next(picks), day=DAY), runs),
                     "(no target)")


def bench_slips(ws: Workspace, runs: int) -> list[Result]:
    """One referral slip with three fully described services (the docs/samples data), made
    and logged, in clear print and in large print 18 and 24 pt."""
    from csn_desk.demo.sample_documents import (
        SAMPLE_DAY,
        add_sample_enquiry,
        add_sample_services,
    )
    from csn_desk.documents.slip import make_slip

    enquiry = add_sample_enquiry(ws, add_sample_services(ws))
    return [summarise(f"one slip, 3 services, {fmt}",
                      time_ms(lambda fmt=fmt: make_slip(ws, enquiry, format_code=fmt,
                                                        day=SAMPLE_DAY), runs), "< 150 ms")
            for fmt in ("standard", "large18", "large24")]


def run(_ws: Workspace | None, tmp: Path, runs: int, *, quick: bool = False) -> list[Result]:
    """Every documents measure on its own data in ``tmp`` (the shared benchmark data set is
    not used). ``runs`` is capped: one batch takes seconds."""
    letters = LETTERS // 4 if quick else LETTERS
    ws = letters_workspace(tmp / "documents", letters)
    try:
        return [*bench_slips(ws, max(5, min(runs, 50))),
                bench_letters(ws, max(1, min(runs, 5)), letters),
                bench_one_letter(ws, max(5, min(runs, 50)))]
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_documents")
    parser.add_argument("--quick", action="store_true", help="50 letters, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed batches")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="csn-bench-docs-") as tmp:
        t0 = time.monotonic()
        print("Building fictional letter data...", file=sys.stderr, flush=True)
        results = run(None, Path(tmp), runs, quick=args.quick)
        print(f"  done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    print_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
