"""``csn-desk print slip`` and ``csn-desk print letters``: the same documents the app prints,
for scripts and for a coordinator without the app open. Only ids and counts are printed."""

from __future__ import annotations

import argparse
from collections import Counter

from csn_desk.cli.common import UsageError, add_common, iso_day, open_workspace, out_file
from csn_desk.documents.batch import letters_due
from csn_desk.documents.letters import make_followup_letter, make_referral_letter
from csn_desk.documents.log import save_pdf
from csn_desk.documents.slip import make_slip

FORMAT_CHOICES = ("clear", "large16", "large18", "large24")
LETTER_KINDS = ("followup", "referral")
# What the counts of skipped follow-ups are called (codes from csn_desk.documents.batch).
SKIP_WORDS = {"anonymous": "anonymous enquiry", "no_address": "no usable postal address",
              "no_consent": "no consent to contact", "no_contact": "asked not to be contacted",
              "prefers_phone": "prefers phone", "prefers_email": "prefers email",
              "restricted": "restricted record", "erased": "erased record",
              "missing_value": "a detail the letter needs is missing"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("print", help="make referral slips and letters as PDF")
    inner = p.add_subparsers(dest="action", metavar="WHAT", required=True)
    slip = inner.add_parser("slip", help="the referral slip for one enquiry")
    add_common(slip)
    slip.add_argument("--enquiry", required=True, metavar="ID", help="the enquiry's id")
    slip.add_argument("--format", choices=FORMAT_CHOICES, default=None,
                      help="print format (default: the client's recorded one)")
    slip.add_argument("--out", required=True, type=out_file, metavar="F.pdf",
                      help="where to save the PDF")
    slip.set_defaults(func=run_slip)

    letters = inner.add_parser("letters", help="the follow-up letters due by a date, as one PDF")
    add_common(letters)
    letters.add_argument("--due-by", required=True, type=iso_day, metavar="YYYY-MM-DD",
                         help="every open follow-up due on or before this date")
    letters.add_argument("--out", required=True, type=out_file, metavar="F.pdf",
                         help="where to save the PDF")
    letters.set_defaults(func=run_letters)

    letter = inner.add_parser("letter", help="one letter about one referral")
    add_common(letter)
    letter.add_argument("--referral", required=True, metavar="ID", help="the referral's id")
    letter.add_argument("--kind", choices=LETTER_KINDS, default="followup",
                        help="followup: to the person; referral: to the service (needs "
                             "their consent to share)")
    letter.add_argument("--format", choices=FORMAT_CHOICES, default=None,
                        help="print format of a follow-up letter (default: the person's)")
    letter.add_argument("--out", required=True, type=out_file, metavar="F.pdf",
                        help="where to save the PDF")
    letter.set_defaults(func=run_letter)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run_slip(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        doc = make_slip(ws, args.enquiry, format_code=args.format)
    save_pdf(doc.pdf, args.out, data_dir=ws.db.paths.root)
    print(f"Saved the slip ({doc.fmt}, {doc.pages} page{'s' if doc.pages != 1 else ''}) to "
          f"{args.out}")
    return 0


def run_letters(args: argparse.Namespace) -> int:
    """Counts only: the names and addresses are in the PDF, not on the screen or in logs."""
    with open_workspace(args) as ws:
        result = letters_due(ws, args.due_by)
    if result.pdf is not None:
        save_pdf(result.pdf, args.out, data_dir=ws.db.paths.root)
        print(f"Saved {_plural(len(result.letters), 'letter')} "
              f"({_plural(result.pages, 'page')}) to {args.out}")
    else:
        print(f"No letters to print for follow-ups due by {args.due_by.isoformat()}; "
              "nothing was saved.")
    if result.skipped:
        counts = Counter(SKIP_WORDS.get(s.code, "other reason") for s in result.skipped)
        detail = "; ".join(f"{n} {why}" for why, n in sorted(counts.items()))
        print(f"{_plural(len(result.skipped), 'follow-up')} got no letter: {detail}.")
    if result.warnings:
        print(f"Check {_plural(len(result.warnings), 'letter')} before posting: the address "
              "may not fit the envelope window.")
    return 0


def run_letter(args: argparse.Namespace) -> int:
    if args.kind == "referral" and args.format:
        raise UsageError("A referral letter to a service is always in clear print; leave out "
                         "--format.")
    with open_workspace(args) as ws:
        if args.kind == "referral":
            doc = make_referral_letter(ws, args.referral)
        else:
            doc = make_followup_letter(ws, args.referral, format_code=args.format)
    save_pdf(doc.pdf, args.out, data_dir=ws.db.paths.root)
    print(f"Saved the {args.kind} letter ({doc.fmt}, {_plural(doc.pages, 'page')}) to "
          f"{args.out}")
    for warning in doc.warnings:
        print(f"Check before posting: {warning}")
    return 0
