"""Make the printed-document samples in ``docs/samples/`` from clearly fictional data: a
clear-print slip, an 18 pt slip with three services, a 24 pt slip and letters, as PDF and as
page images rendered with ``pdftoppm`` (poppler-utils) for the README.

    .venv/bin/python scripts/samples.py [--out docs/samples] [--dpi 60]

Works in a temporary data folder, so it never touches real data."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from csn_desk.accounts import initialise  # noqa: E402
from csn_desk.demo.sample_documents import (  # noqa: E402
    SAMPLE_DAY,
    add_sample_enquiry,
    add_sample_services,
)
from csn_desk.documents.log import ProducedDocument, save_pdf  # noqa: E402
from csn_desk.documents.slip import make_slip  # noqa: E402
from csn_desk.sites import update_site_details  # noqa: E402
from csn_desk.store.keys import KdfParams  # noqa: E402
from csn_desk.workspace import Workspace  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)  # a throwaway folder


def rasterise(pdf: Path, dpi: int) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: install poppler-utils (apt-get install poppler-utils).")
    for old in pdf.parent.glob(pdf.stem + "-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(pdf.with_suffix(""))],
                   check=True)
    return sorted(pdf.parent.glob(pdf.stem + "-*.png"))


def documents(ws: Workspace) -> dict[str, Callable[[], ProducedDocument]]:
    services = add_sample_services(ws)
    one = add_sample_enquiry(ws, services[:1], preferred_format="standard")
    three = add_sample_enquiry(ws, services, preferred_format="large18")
    big = add_sample_enquiry(ws, services[1:2], given_name="Siobhán",
                             family_name="Ó Súilleabháin (fictional)",
                             preferred_format="large24")
    made: dict[str, Callable[[], ProducedDocument]] = {
        "slip-clear-print": lambda: make_slip(ws, one, day=SAMPLE_DAY),
        "slip-large-18pt-three-services": lambda: make_slip(ws, three, day=SAMPLE_DAY),
        "slip-large-24pt": lambda: make_slip(ws, big, day=SAMPLE_DAY),
    }
    try:
        from csn_desk.documents import letters
        from csn_desk.referrals import referrals_for_enquiry
    except ImportError:
        return made
    ref = referrals_for_enquiry(ws, three)[0]
    made["letter-follow-up-large-18pt"] = lambda: letters.make_followup_letter(
        ws, ref, day=SAMPLE_DAY)
    made["letter-follow-up-clear-print"] = lambda: letters.make_followup_letter(
        ws, ref, format_code="standard", day=SAMPLE_DAY)
    referred = referrals_for_enquiry(ws, three)[-1]
    made["letter-referral-to-service"] = lambda: letters.make_referral_letter(
        ws, referred, day=SAMPLE_DAY)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "samples")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="csn-desk-samples-") as tmp:
        ws, _ = initialise(Path(tmp) / "data", site_name="Demo Counter (fictional)",
                           organisation_name="Demo Network (fictional)",
                           admin_username="samples", passphrase="samples-only-passphrase-1",
                           kdf=FAST, check_strength=False)
        try:
            update_site_details(ws, phone="01632 960000", email="counter@example.org",
                                address_line1="1 Example Street", post_town="Darlington",
                                postcode="DL1 1AA")
            for name, make in documents(ws).items():
                doc = make()
                pdf = args.out / f"{name}.pdf"
                save_pdf(doc.pdf, pdf)
                pngs = rasterise(pdf, args.dpi)
                print(f"{name}: {doc.fmt}, {doc.pages} page(s) -> {len(pngs)} image(s)")
        finally:
            ws.close()


if __name__ == "__main__":
    main()
